"""When an API key is configured, every route but the health checks and static files requires it.

`/` checks the key itself (`authorized`): without it, a browser gets the page that asks for it.
"""

from __future__ import annotations

import hmac

from starlette.datastructures import Headers
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

API_KEY_HEADER = "X-API-Key"
UNAUTHORIZED = f"missing or invalid API key: send it in the {API_KEY_HEADER} header or as Authorization: Bearer <key>"


CHALLENGE = {"WWW-Authenticate": "Bearer"}


def authorized(headers: Headers, api_key: str) -> bool:
    """Whether the request carries the key, in X-API-Key or as a bearer token."""
    offered = headers.get(API_KEY_HEADER)
    if offered is None:
        scheme, _, token = headers.get("authorization", "").partition(" ")
        offered = token.strip() if scheme.lower() == "bearer" else None
    # Constant time: the comparison must not reveal how much of a guess was right.
    return offered is not None and hmac.compare_digest(offered.encode(), api_key.encode())


class ApiKeyMiddleware:
    def __init__(
        self, app: ASGIApp, *, api_key: str, open_paths: frozenset[str], open_prefixes: tuple[str, ...] = ()
    ) -> None:
        self.app = app
        self._key = api_key
        self._open_paths = open_paths
        self._open_prefixes = open_prefixes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or self._open(scope["path"]) or authorized(Headers(scope=scope), self._key):
            await self.app(scope, receive, send)
            return
        response = JSONResponse({"detail": UNAUTHORIZED}, status_code=401, headers=CHALLENGE)
        await response(scope, receive, send)

    def _open(self, path: str) -> bool:
        return path in self._open_paths or path.startswith(self._open_prefixes)
