"""gunicorn's worker: uvicorn's, on our HTTP protocol, with a shutdown that drops no accepted connection.

The workers share the listening socket that gunicorn's master opened, and the kernel keeps
completing handshakes into its queue until the last worker closes it. uvicorn closes it at
SIGTERM without accepting what is queued, which resets those connections: clients that
connected a moment before the SIGTERM and whose requests were already on their way. Before
closing, this worker accepts everything in the queue; those connections then get the same
treatment as the idle kept-alive ones (see http_protocol): a request that arrives within the
linger is served with `Connection: close`, and the connection is closed after it.
"""

from __future__ import annotations

import asyncio
import signal
import socket
import sys
from collections.abc import Callable
from typing import Any, ClassVar

from gunicorn.arbiter import Arbiter
from uvicorn.config import Config
from uvicorn.server import Server
from uvicorn_worker import UvicornWorker

from app.middleware.http_protocol import HttpProtocol


def accept_queued(listener: socket.socket) -> list[socket.socket]:
    """Every connection the kernel has queued on a non-blocking listening socket, without waiting."""
    accepted: list[socket.socket] = []
    while True:
        try:
            connection, _ = listener.accept()
        except (BlockingIOError, InterruptedError):
            return accepted  # the queue is empty, or another worker took the rest
        except OSError:
            return accepted  # closed, or out of descriptors: nothing more can be taken
        connection.setblocking(False)
        accepted.append(connection)


class DrainingServer(Server):
    def __init__(self, config: Config, *, on_loop_start: Callable[[], None] | None = None) -> None:
        super().__init__(config=config)
        self._on_loop_start = on_loop_start

    async def serve(self, sockets: list[socket.socket] | None = None) -> None:
        if self._on_loop_start is not None:
            self._on_loop_start()
        await super().serve(sockets)

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        # Synchronous from the first accept to the close of the listening sockets (in the parent's
        # shutdown, before its first await): the event loop accepts nothing in between.
        queued = [connection for listener in sockets or [] for connection in accept_queued(listener)]
        for server in self.servers:
            server.close()
        for listener in sockets or []:
            listener.close()
        loop = asyncio.get_running_loop()
        # Registered before the parent asks every open connection to shut down.
        await asyncio.gather(*(loop.connect_accepted_socket(self._protocol, connection) for connection in queued))
        await super().shutdown(sockets)

    def _protocol(self) -> asyncio.Protocol:
        protocol: asyncio.Protocol = self.config.http_protocol_class(  # type: ignore[call-arg]
            config=self.config, server_state=self.server_state, app_state=self.lifespan.state
        )
        return protocol


class Worker(UvicornWorker):  # type: ignore[misc]  # uvicorn_worker ships no type hints
    """uvicorn's worker on our HTTP protocol (header limits, a linger on shutdown) and DrainingServer,
    without uvicorn's proxy headers."""

    # uvicorn's proxy headers off: with every peer trusted it logs the leftmost X-Forwarded-For entry,
    # which the caller wrote. ForwardedHeadersMiddleware (in create_app) reads those headers instead.
    CONFIG_KWARGS: ClassVar[dict[str, Any]] = {"loop": "auto", "http": HttpProtocol, "proxy_headers": False}

    def run(self) -> None:
        # gunicorn's Worker.run, as UvicornWorker's, but with DrainingServer: uvicorn's documented
        # Server(config).run() rather than uvicorn-worker's private _serve.
        self.config.app = self.wsgi
        server = DrainingServer(config=self.config, on_loop_start=self._handle_sigquit)
        server.run(sockets=self.sockets)
        if not server.started:
            sys.exit(Arbiter.WORKER_BOOT_ERROR)

    def _handle_sigquit(self) -> None:
        # As uvicorn-worker does: gunicorn's quick shutdown sends SIGQUIT, which gunicorn's handler takes.
        asyncio.get_running_loop().add_signal_handler(signal.SIGQUIT, self.handle_exit, signal.SIGQUIT, None)
