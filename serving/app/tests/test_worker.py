"""The worker's shutdown accepts and serves what the kernel queued on the listening socket, instead of resetting it.

In process, with a real listening socket and real client connections: the server is started
without taking over the socket, so that nothing accepts the clients' connections until the
shutdown does, as for connections that arrive just before a SIGTERM.
"""

from __future__ import annotations

import asyncio
import socket

import uvicorn
from starlette.types import Receive, Scope, Send

from app.middleware.http_protocol import HttpProtocol
from app.worker import DrainingServer, Worker, accept_queued

QUEUED = 5
REQUEST = b"GET / HTTP/1.1\r\nHost: test\r\n\r\n"


async def hello(scope: Scope, receive: Receive, send: Send) -> None:
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"5")]})
    await send({"type": "http.response.body", "body": b"hello"})


def listening_socket() -> socket.socket:
    listener = socket.create_server(("127.0.0.1", 0), backlog=64)
    listener.setblocking(False)
    return listener


def connect(listener: socket.socket) -> socket.socket:
    # The kernel completes the handshake into the listen queue; nobody has accepted it yet.
    client = socket.create_connection(listener.getsockname(), timeout=10)
    client.sendall(REQUEST)
    return client


def read_to_close(conn: socket.socket) -> bytes:
    chunks = []
    while chunk := conn.recv(65536):
        chunks.append(chunk)
    return b"".join(chunks)


def test_accept_queued_takes_every_queued_connection_without_waiting() -> None:
    with listening_socket() as listener:
        clients = [connect(listener) for _ in range(QUEUED)]
        accepted = accept_queued(listener)

        assert len(accepted) == QUEUED
        assert accept_queued(listener) == []
        for conn in [*accepted, *clients]:
            conn.close()


def test_accept_queued_stops_at_a_closed_socket() -> None:
    listener = listening_socket()
    listener.close()

    assert accept_queued(listener) == []


def test_shutdown_serves_the_connections_queued_when_it_began() -> None:
    async def scenario() -> list[bytes]:
        listener = listening_socket()
        config = uvicorn.Config(app=hello, http=HttpProtocol, lifespan="off", log_config=None)
        config.load()
        server = DrainingServer(config=config)
        server.lifespan = config.lifespan_class(config)  # as Server.serve does before startup
        await server.startup(sockets=[])  # started, but not accepting from `listener`
        clients = [connect(listener) for _ in range(QUEUED)]
        answers = [asyncio.to_thread(read_to_close, client) for client in clients]
        _, *read = await asyncio.gather(server.shutdown(sockets=[listener]), *answers)
        for client in clients:
            client.close()
        assert listener.fileno() == -1  # closed by the shutdown
        return read

    answers = asyncio.run(scenario())

    assert [answer.split(b"\r\n", 1)[0] for answer in answers] == [b"HTTP/1.1 200 OK"] * QUEUED
    # Whole answers, then a clean close (read_to_close returned): nothing reset.
    assert all(answer.endswith(b"\r\n\r\nhello") for answer in answers)


def test_the_worker_leaves_forwarded_headers_to_the_application() -> None:
    # uvicorn's own handling logs the leftmost X-Forwarded-For entry when every peer is trusted.
    config = uvicorn.Config(app=hello, forwarded_allow_ips="*", log_config=None, **Worker.CONFIG_KWARGS)
    config.load()

    assert config.loaded_app is hello, f"uvicorn wrapped the application in {config.loaded_app!r}"
