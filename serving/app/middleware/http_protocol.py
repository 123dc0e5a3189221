"""uvicorn's httptools protocol with what it lacks in production, below ASGI where no middleware reaches.

- Header size: httptools buffers a header line whole, so a client could stream one endless
  header into a worker's memory. The request line and headers together are capped at 64 KiB,
  as at the load balancer; more gets 431.
- Header time: uvicorn starts no timer before a first response, so a client trickling its
  headers a byte at a time (slowloris) would hold a connection, and a file descriptor, forever.
  Headers must be complete within HEADER_TIMEOUT seconds of the connection opening, or of the
  first byte of a later request on a kept-alive connection: otherwise 408, or a silent close
  when not a byte came. Idle kept-alive connections keep uvicorn's keep-alive timeout.
- Shutdown: uvicorn closes an idle kept-alive connection at once, which resets a request the
  client had already sent but the worker had not read yet. Such a connection now stays open
  for SHUTDOWN_LINGER seconds: a request arriving meanwhile is served, with `Connection: close`.

Request bodies are limited in size and time by BodySizeLimitMiddleware, at the ASGI layer.
"""

from __future__ import annotations

import asyncio
import json
import logging
from http import HTTPStatus

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

MAX_HEADER_BYTES = 64 * 1024
HEADER_TIMEOUT = 10.0
SHUTDOWN_LINGER = 0.5

logger = logging.getLogger(__name__)


class HttpProtocol(HttpToolsProtocol):
    max_header_bytes = MAX_HEADER_BYTES
    header_timeout = HEADER_TIMEOUT
    shutdown_linger = SHUTDOWN_LINGER

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        self._awaiting_headers = True
        self._header_bytes = 0
        self._rejected = False
        self._draining = False
        self._header_deadline: asyncio.TimerHandle | None = None
        super().connection_made(transport)
        self._arm_header_deadline()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm_header_deadline()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self._rejected:
            return
        if self._awaiting_headers:
            self._arm_header_deadline()
            self._header_bytes += len(data)
        super().data_received(data)
        # Still no end of headers: everything that arrived is request line and headers.
        if self._awaiting_headers and self._header_bytes > self.max_header_bytes:
            self._reject_oversized_headers()

    def on_headers_complete(self) -> None:
        if self._rejected:
            return
        self._awaiting_headers = False
        self._disarm_header_deadline()
        # Exact now: the chunk that ended the headers may have carried body bytes too.
        size = len(self.url) + sum(len(name) + len(value) + 4 for name, value in self.headers)
        if size > self.max_header_bytes:
            self._reject_oversized_headers()
            return
        super().on_headers_complete()
        if self._draining:
            self.cycle.keep_alive = False

    def on_body(self, body: bytes) -> None:
        if not self._rejected:
            super().on_body(body)

    def on_message_complete(self) -> None:
        if self._rejected:
            return
        super().on_message_complete()
        # The next bytes on this connection start another request.
        self._awaiting_headers = True
        self._header_bytes = 0

    def shutdown(self) -> None:
        if self.cycle is not None and not self.cycle.response_complete:
            super().shutdown()
            return
        self._draining = True
        self.loop.call_later(self.shutdown_linger, self._close_if_idle)

    def _close_if_idle(self) -> None:
        # A request that arrived while lingering closes the connection after its response.
        if self.cycle is None or self.cycle.response_complete:
            self.transport.close()

    def _arm_header_deadline(self) -> None:
        if self._header_deadline is None:
            self._header_deadline = self.loop.call_later(self.header_timeout, self._headers_too_slow)

    def _disarm_header_deadline(self) -> None:
        if self._header_deadline is not None:
            self._header_deadline.cancel()
            self._header_deadline = None

    def _headers_too_slow(self) -> None:
        self._header_deadline = None
        if self.transport.is_closing():
            return
        if self.cycle is not None and not self.cycle.response_complete:
            # A pipelined request waits for the previous response: its clock starts after it.
            self._arm_header_deadline()
            return
        if self._header_bytes == 0:
            self.transport.close()
            return
        self._reject(408, f"the request headers did not arrive within {self.header_timeout:g} s")

    def _reject_oversized_headers(self) -> None:
        self._reject(431, f"the request line and headers exceed {self.max_header_bytes} bytes")

    def _reject(self, status: int, detail: str) -> None:
        self._rejected = True
        self._disarm_header_deadline()
        client = f"{self.client[0]}:{self.client[1]}" if self.client else "unknown client"
        logger.warning("%d to %s: %s", status, client, detail, extra={"fields": {"status": status}})
        body = json.dumps({"detail": detail}).encode()
        head = [f"HTTP/1.1 {status} {HTTPStatus(status).phrase}\r\n".encode()]
        for name, value in self.server_state.default_headers:
            head += [name, b": ", value, b"\r\n"]
        head += [
            b"content-type: application/json\r\n",
            b"content-length: " + str(len(body)).encode() + b"\r\n",
            b"connection: close\r\n\r\n",
        ]
        self.transport.write(b"".join(head) + body)
        self.transport.close()
