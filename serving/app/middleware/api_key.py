"""When an API key is configured, every route but the health checks requires it."""

from __future__ import annotations

import hmac

from starlette.datastructures import Headers
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

API_KEY_HEADER = "X-API-Key"
UNAUTHORIZED = f"missing or invalid API key: send it in the {API_KEY_HEADER} header or as Authorization: Bearer <key>"


class ApiKeyMiddleware:
    def __init__(self, app: ASGIApp, *, api_key: str, open_paths: frozenset[str]) -> None:
        self.app = app
        self._key = api_key.encode()
        self._open_paths = open_paths

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in self._open_paths or self._authorized(Headers(scope=scope)):
            await self.app(scope, receive, send)
            return
        response = JSONResponse({"detail": UNAUTHORIZED}, status_code=401, headers={"WWW-Authenticate": "Bearer"})
        await response(scope, receive, send)

    def _authorized(self, headers: Headers) -> bool:
        offered = headers.get(API_KEY_HEADER)
        if offered is None:
            scheme, _, token = headers.get("authorization", "").partition(" ")
            offered = token.strip() if scheme.lower() == "bearer" else None
        # Constant time: the comparison must not reveal how much of a guess was right.
        return offered is not None and hmac.compare_digest(offered.encode(), self._key)
