"""The body time limit of BodySizeLimitMiddleware, in process with a short limit (the server test uses the real one)."""

from __future__ import annotations

import asyncio
import json

from starlette.types import Message, Receive, Scope, Send

from app.middleware.body_limit import BodySizeLimitMiddleware

TIMEOUT = 0.05
SCOPE: Scope = {"type": "http", "method": "POST", "path": "/predict", "headers": [(b"content-length", b"4")]}


def run(app: BodySizeLimitMiddleware, messages: list[tuple[float, Message]]) -> list[Message]:
    """Deliver `messages`, each after its delay; return what the app sent."""
    sent: list[Message] = []
    pending = iter(messages)

    async def receive() -> Message:
        delay, message = next(pending, (3600.0, {"type": "http.disconnect"}))
        await asyncio.sleep(delay)
        return message

    async def send(message: Message) -> None:
        sent.append(message)

    asyncio.run(app(SCOPE, receive, send))
    return sent


async def echo_after_disconnect(scope: Scope, receive: Receive, send: Send) -> None:
    """Reads the whole body, then waits for the client to leave, as a streaming response does."""
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body"):
            break
    assert (await receive())["type"] == "http.disconnect"
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": body})


def test_a_body_that_stalls_past_the_limit_gets_408_and_a_close() -> None:
    app = BodySizeLimitMiddleware(echo_after_disconnect, max_bytes=1024, timeout=TIMEOUT)

    sent = run(app, [(0, {"type": "http.request", "body": b"ab", "more_body": True}), (1.0, {"type": "http.request"})])

    assert sent[0]["status"] == 408
    assert (b"connection", b"close") in sent[0]["headers"]
    assert json.loads(sent[1]["body"]) == {"detail": f"the request body did not arrive within {TIMEOUT:g} s"}


def test_after_a_whole_body_waiting_for_the_client_is_not_limited() -> None:
    app = BodySizeLimitMiddleware(echo_after_disconnect, max_bytes=1024, timeout=TIMEOUT)
    body = {"type": "http.request", "body": b"abcd", "more_body": False}

    sent = run(app, [(0, body), (TIMEOUT * 4, {"type": "http.disconnect"})])

    assert (sent[0]["status"], sent[1]["body"]) == (200, b"abcd")
