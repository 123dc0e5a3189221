"""The outermost layer: request id, access log line, request metrics, and a JSON 500 as a last resort."""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Sequence

from starlette.datastructures import Headers, MutableHeaders
from starlette.requests import ClientDisconnect
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.logs import ACCESS_LOGGER, REQUEST_ID
from app.metrics import Metrics

REQUEST_ID_HEADER = "X-Request-ID"
# A client's id is kept only if it is short and plain: it is copied into every log line.
_VALID_REQUEST_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,127}")
UNMATCHED_ROUTE = "unmatched"
# nginx's code for a client that closed the connection before the response: nothing was answered.
CLIENT_CLOSED_REQUEST = 499

access_log = logging.getLogger(ACCESS_LOGGER)
logger = logging.getLogger(__name__)


class RequestContextMiddleware:
    def __init__(self, app: ASGIApp, *, metrics: Metrics, routes: Sequence[BaseRoute]) -> None:
        self.app = app
        self.metrics = metrics
        self.routes = routes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = incoming_request_id(Headers(scope=scope)) or uuid.uuid4().hex
        token = REQUEST_ID.set(request_id)
        started_at = time.perf_counter()
        status = 500
        response_started = False

        async def send_with_id(message: Message) -> None:
            nonlocal status, response_started
            if message["type"] == "http.response.start":
                status, response_started = message["status"], True
                headers = MutableHeaders(raw=list(message.get("headers", [])))
                headers[REQUEST_ID_HEADER] = request_id
                message["headers"] = headers.raw
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except ClientDisconnect:
            # The client left mid-body: no one to answer, and no fault of the server's.
            if not response_started:
                status = CLIENT_CLOSED_REQUEST
        except Exception:
            logger.exception("unhandled error in %s %s", scope["method"], scope["path"])
            if response_started:
                raise
            await JSONResponse({"detail": "internal server error"}, status_code=500)(scope, receive, send_with_id)
        finally:
            self._record(scope, request_id, status, time.perf_counter() - started_at)
            REQUEST_ID.reset(token)

    def _record(self, scope: Scope, request_id: str, status: int, seconds: float) -> None:
        method, route = scope["method"], self._route(scope)
        self.metrics.observe_request(method=method, route=route, status=status, seconds=seconds)
        client = scope.get("client")
        access_log.info(
            "%s %s %d",
            method,
            scope["path"],
            status,
            extra={
                "request_id": request_id,
                "fields": {
                    "method": method,
                    "path": scope["path"],
                    "route": route,
                    "status": status,
                    "duration_ms": round(seconds * 1000, 3),
                    "client": client[0] if client else None,
                },
            },
        )

    def _route(self, scope: Scope) -> str:
        """The route's path template: bounded label values, whatever paths clients request."""
        route = scope.get("route")
        if route is None:
            # Answered before routing (401, 413): find the route the request was meant for.
            route = next((r for r in self.routes if r.matches(scope)[0] != Match.NONE), None)
        return str(getattr(route, "path", UNMATCHED_ROUTE))


def incoming_request_id(headers: Headers) -> str | None:
    value = headers.get(REQUEST_ID_HEADER)
    return value if value is not None and _VALID_REQUEST_ID.fullmatch(value) else None
