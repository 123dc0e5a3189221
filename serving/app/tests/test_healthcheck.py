from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from app import healthcheck
from app.config import Settings


@pytest.mark.parametrize(
    ("host", "expected"),
    [("0.0.0.0", "127.0.0.1"), ("::", "127.0.0.1"), ("10.1.2.3", "10.1.2.3")],  # noqa: S104
)
def test_a_wildcard_bind_address_is_checked_on_loopback(host: str, expected: str) -> None:
    assert healthcheck.health_url(Settings(host=host, port=8123)) == f"http://{expected}:8123/health"


@pytest.fixture
def health_server() -> Iterator[tuple[HTTPServer, list[int]]]:
    statuses = [200]

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(statuses[0] if self.path == "/health" else 404)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server, statuses
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def test_exit_status_follows_the_health_route(health_server, monkeypatch: pytest.MonkeyPatch) -> None:
    server, statuses = health_server
    monkeypatch.setenv("MODEL_SERVICE_PORT", str(server.server_address[1]))

    assert healthcheck.main() == 0
    statuses[0] = 503
    assert healthcheck.main() == 1


def test_nothing_listening_is_unhealthy(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setenv("MODEL_SERVICE_PORT", str(port))

    assert healthcheck.main() == 1
    assert capsys.readouterr().err.startswith(f"unhealthy: http://127.0.0.1:{port}/health: ")
