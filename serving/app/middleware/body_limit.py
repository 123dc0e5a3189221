"""413 for a request body over the limit, decided before the body is read whole; 408 for one
that does not arrive in time, so that a client trickling its body cannot hold a request open.

Request headers are limited in size and time one layer down, in http_protocol.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping

from starlette.datastructures import Headers
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# Seconds from the end of a request's headers to the last byte of its body: 1 MiB at 52 KiB/s.
BODY_TIMEOUT = 20.0


class _BodyTooLargeError(Exception):
    pass


class _BodyTooSlowError(Exception):
    pass


class BodySizeLimitMiddleware:
    """`max_bytes` for every path but those of `path_limits` (exact paths, e.g. an upload route's larger limit)."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        max_bytes: int,
        path_limits: Mapping[str, int] | None = None,
        timeout: float = BODY_TIMEOUT,
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.path_limits = dict(path_limits or {})
        self.timeout = timeout
        self._too_slow = f"the request body did not arrive within {timeout:g} s"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        max_bytes = self.path_limits.get(scope["path"], self.max_bytes)
        declared = Headers(scope=scope).get("content-length", "")
        if declared.isdigit() and int(declared) > max_bytes:
            await self._reject(scope, receive, send, 413, _too_large(max_bytes))
            return
        # No or a false Content-Length (chunked uploads): count the bytes as they arrive.
        received = 0
        body_complete = False
        started = False
        deadline = asyncio.get_running_loop().time() + self.timeout

        async def limited_receive() -> Message:
            nonlocal received, body_complete
            if body_complete:
                # Only http.disconnect is left to wait for, as long as the response takes.
                return await receive()
            try:
                async with asyncio.timeout_at(deadline):
                    message = await receive()
            except TimeoutError:
                raise _BodyTooSlowError from None
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > max_bytes:
                    raise _BodyTooLargeError
                body_complete = not message.get("more_body", False)
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except _BodyTooLargeError:
            if started:
                raise
            await self._reject(scope, receive, send, 413, _too_large(max_bytes))
        except _BodyTooSlowError:
            if started:
                raise
            await self._reject(scope, receive, send, 408, self._too_slow)

    async def _reject(self, scope: Scope, receive: Receive, send: Send, status: int, detail: str) -> None:
        # The unread rest of the body makes the connection unusable: ask the client to close it.
        response = JSONResponse({"detail": detail}, status_code=status, headers={"Connection": "close"})
        await response(scope, receive, send)


def _too_large(max_bytes: int) -> str:
    return f"request body is larger than the limit of {max_bytes} bytes"
