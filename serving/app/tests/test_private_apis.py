"""The internals of uvicorn and uvicorn-worker that app/worker.py and app/middleware/http_protocol.py rely on.

Both packages are pinned exactly in the Pipfile. When an upgrade moves or changes one of these,
the test for it fails naming the package, its version and the attribute, before a server
misbehaves in production.
"""

from __future__ import annotations

import asyncio
import inspect
import os
import socket
import tomllib
from importlib.metadata import version
from typing import Any

import gunicorn.config
import gunicorn.glogging
import pytest
import uvicorn
from gunicorn.arbiter import Arbiter
from gunicorn.workers.base import Worker as GunicornWorker
from starlette.types import Receive, Scope, Send
from uvicorn.server import Server, ServerState
from uvicorn_worker import UvicornWorker

from app.middleware.http_protocol import HttpProtocol
from app.worker import Worker
from testkit.project import REPOSITORY

PINNED = ("uvicorn", "uvicorn-worker")


def where(package: str, attribute: str) -> str:
    return f"{package} {version(package)}: {attribute}"


def parameters(function: Any) -> list[str]:
    return list(inspect.signature(function).parameters)


async def hello(scope: Scope, receive: Receive, send: Send) -> None:
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"2")]})
    await send({"type": "http.response.body", "body": b"ok"})


@pytest.mark.parametrize("package", PINNED)
def test_the_installed_version_is_the_pipfile_exact_pin(package: str) -> None:
    pipfile = tomllib.loads((REPOSITORY / "Pipfile").read_text())
    spec = pipfile["serving"][package]
    pin = spec if isinstance(spec, str) else spec["version"]

    assert pin.startswith("=="), f"Pipfile pins {package} as {pin!r}: its internals are used, pin it exactly"
    assert version(package) == pin.removeprefix("=="), (
        f"{package} {version(package)} is installed, the Pipfile pins {pin}"
    )


def test_httptools_protocol_takes_the_arguments_the_draining_server_passes() -> None:
    # worker.DrainingServer builds protocols for the connections it accepts itself.
    assert parameters(HttpProtocol.__init__)[:4] == ["self", "config", "server_state", "app_state"], where(
        "uvicorn", "HttpToolsProtocol.__init__(config, server_state, app_state) changed"
    )


@pytest.mark.parametrize(
    ("method", "expected"),
    [
        ("on_headers_complete", ["self"]),
        ("on_body", ["self", "body"]),
        ("on_message_complete", ["self"]),
        ("shutdown", ["self"]),
        ("connection_made", ["self", "transport"]),
        ("connection_lost", ["self", "exc"]),
        ("data_received", ["self", "data"]),
    ],
)
def test_httptools_protocol_has_the_methods_http_protocol_extends(method: str, expected: list[str]) -> None:
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

    assert method in vars(HttpToolsProtocol), where("uvicorn", f"HttpToolsProtocol.{method} is gone")
    assert parameters(getattr(HttpToolsProtocol, method)) == expected, where(
        "uvicorn", f"HttpToolsProtocol.{method} now takes {parameters(getattr(HttpToolsProtocol, method))}"
    )


def test_httptools_protocol_state_that_http_protocol_reads() -> None:
    """A real request through the protocol, read at the point where HttpProtocol reads it: headers complete."""
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

    seen: dict[str, Any] = {}

    class Probe(HttpToolsProtocol):  # type: ignore[misc]
        def on_headers_complete(self) -> None:
            super().on_headers_complete()
            seen.update(
                url=self.url,
                headers=self.headers,
                response_complete=self.cycle.response_complete,
                keep_alive=self.cycle.keep_alive,
                loop=self.loop,
                transport=self.transport,
                client=self.client,
                default_headers=self.server_state.default_headers,
            )

    async def scenario() -> bytes:
        config = uvicorn.Config(app=hello, http=Probe, lifespan="off", log_config=None)
        config.load()
        server_side, client_side = socket.socketpair()
        loop = asyncio.get_running_loop()
        await loop.connect_accepted_socket(
            lambda: Probe(config=config, server_state=ServerState(), app_state={}), server_side
        )
        reader, writer = await asyncio.open_connection(sock=client_side)
        writer.write(b"GET /path?q=1 HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n")
        answer = await asyncio.wait_for(reader.read(), timeout=10)
        writer.close()
        return answer

    answer = asyncio.run(scenario())

    assert answer.startswith(b"HTTP/1.1 200 OK\r\n")
    missing = {"url", "headers", "response_complete", "keep_alive", "loop", "transport", "client", "default_headers"}
    assert missing <= set(seen), where("uvicorn", f"HttpToolsProtocol lacks {sorted(missing - set(seen))}")
    assert seen["url"] == b"/path?q=1", where("uvicorn", f"HttpToolsProtocol.url is {seen['url']!r}")
    assert (b"host", b"test") in seen["headers"], where("uvicorn", f"HttpToolsProtocol.headers is {seen['headers']!r}")
    assert (seen["response_complete"], seen["keep_alive"]) == (False, False), where(
        "uvicorn", "RequestResponseCycle.response_complete / keep_alive"
    )
    assert isinstance(seen["loop"], asyncio.AbstractEventLoop), where("uvicorn", "HttpToolsProtocol.loop")
    assert isinstance(seen["transport"], asyncio.Transport), where("uvicorn", "HttpToolsProtocol.transport")
    assert isinstance(seen["default_headers"], list), where("uvicorn", "ServerState.default_headers")


@pytest.mark.parametrize("method", ["run", "serve", "shutdown"])
def test_server_methods_draining_server_overrides_or_calls(method: str) -> None:
    assert parameters(getattr(Server, method)) == ["self", "sockets"], where(
        "uvicorn", f"Server.{method}(sockets) now takes {parameters(getattr(Server, method))}"
    )


def test_server_state_that_draining_server_reads() -> None:
    """`servers`, `server_state`, `lifespan.state`, `started` and `config.http_protocol_class`, on a served request."""
    seen: dict[str, Any] = {}

    async def scenario() -> None:
        config = uvicorn.Config(app=hello, http=HttpProtocol, lifespan="off", log_config=None)
        server = Server(config=config)
        listener = socket.create_server(("127.0.0.1", 0))
        serving = asyncio.create_task(server.serve(sockets=[listener]))
        reader, writer = await asyncio.open_connection(*listener.getsockname())
        writer.write(b"GET / HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n")
        seen["answer"] = await asyncio.wait_for(reader.read(), timeout=10)
        writer.close()
        seen.update(
            started=server.started,
            servers=server.servers,
            server_state=server.server_state,
            lifespan_state=server.lifespan.state,
            protocol=config.http_protocol_class,
        )
        server.should_exit = True
        await asyncio.wait_for(serving, timeout=10)
        listener.close()

    asyncio.run(scenario())

    assert seen["answer"].startswith(b"HTTP/1.1 200 OK\r\n")
    assert seen["started"] is True, where("uvicorn", "Server.started")
    assert seen["servers"], where("uvicorn", "Server.servers is empty once serving")
    assert all(isinstance(s, asyncio.base_events.Server) for s in seen["servers"]), where("uvicorn", "Server.servers")
    assert isinstance(seen["server_state"], ServerState), where("uvicorn", "Server.server_state")
    assert isinstance(seen["lifespan_state"], dict), where("uvicorn", "Server.lifespan.state")
    assert seen["protocol"] is HttpProtocol, where("uvicorn", "Config.http_protocol_class")


def test_uvicorn_worker_builds_its_config_from_config_kwargs() -> None:
    cfg = gunicorn.config.Config()
    worker = Worker(0, os.getpid(), [], None, 30, cfg, gunicorn.glogging.Logger(cfg))
    worker.tmp.close()  # gunicorn's heartbeat file, opened in __init__

    assert "CONFIG_KWARGS" in vars(UvicornWorker), where("uvicorn-worker", "UvicornWorker.CONFIG_KWARGS is gone")
    assert isinstance(worker.config, uvicorn.Config), where("uvicorn-worker", "UvicornWorker.config")
    assert worker.config.http is HttpProtocol, where("uvicorn-worker", "UvicornWorker.config ignores CONFIG_KWARGS")
    assert Worker.run is not UvicornWorker.run


def test_gunicorn_worker_api_the_worker_uses() -> None:
    assert parameters(GunicornWorker.handle_exit) == ["self", "sig", "frame"], where("gunicorn", "Worker.handle_exit")
    assert parameters(GunicornWorker.__init__)[1:] == ["age", "ppid", "sockets", "app", "timeout", "cfg", "log"], where(
        "gunicorn", "Worker.__init__"
    )
    assert "wsgi" in inspect.getsource(GunicornWorker.load_wsgi), where("gunicorn", "Worker.wsgi")
    assert Arbiter.WORKER_BOOT_ERROR == 3, where("gunicorn", "Arbiter.WORKER_BOOT_ERROR")
