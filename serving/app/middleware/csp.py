"""Content-Security-Policy for every HTML response: its scripts, styles, pictures and requests come from the
service's own origin only, so a page works, and leaks nothing, on a network without internet.

A response that sets its own policy keeps it (the API docs add the hash of their inline script).
"""

from __future__ import annotations

from collections.abc import Iterable

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CSP_HEADER = "Content-Security-Policy"


def policy(*, script_hashes: Iterable[str] = (), inline_styles: bool = False, blob_workers: bool = False) -> str:
    """Same origin for everything; `data:` pictures (the card's, Swagger UI's icons) are not another host.

    `script_hashes` allow inline scripts by their 'sha256-...' source. ReDoc needs the other two:
    `inline_styles` for the <style> elements it writes at run time, `blob_workers` for its search
    worker, which it builds from a blob: URL of its own code. Neither allows another host."""
    scripts = " ".join(("'self'", *script_hashes))
    styles = "'self' 'unsafe-inline'" if inline_styles else "'self'"
    workers = "; worker-src 'self' blob:" if blob_workers else ""
    return (
        f"default-src 'self'; script-src {scripts}; style-src {styles}; img-src 'self' data:{workers}; "
        "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    )


SAME_ORIGIN_ONLY = policy()


class ContentSecurityPolicyMiddleware:
    def __init__(self, app: ASGIApp, *, default: str = SAME_ORIGIN_ONLY) -> None:
        self.app = app
        self.default = default

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_policy(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(raw=list(message.get("headers", [])))
                if headers.get("content-type", "").startswith("text/html") and CSP_HEADER not in headers:
                    headers[CSP_HEADER] = self.default
                    message["headers"] = headers.raw
            await send(message)

        await self.app(scope, receive, send_with_policy)
