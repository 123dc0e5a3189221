from __future__ import annotations

import asyncio
import json

import pytest
from starlette.types import Message, Receive, Scope, Send

from app.middleware.body_limit import BodySizeLimitMiddleware

LIMIT = 1000


class Upload:
    """A client sending `chunks` pieces of `size` bytes; records how many the server asked for."""

    def __init__(self, *, chunks: int, size: int) -> None:
        self.chunks, self.size, self.reads = chunks, size, 0

    async def receive(self) -> Message:
        self.reads += 1
        more = self.reads < self.chunks
        return {"type": "http.request", "body": b"x" * self.size, "more_body": more}


async def read_body(receive: Receive) -> bytes:
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body"):
            return body


async def read_all(scope: Scope, receive: Receive, send: Send) -> None:
    body = await read_body(receive)
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": str(len(body)).encode()})


def run(upload: Upload, headers: list[tuple[bytes, bytes]], path: str = "/predict") -> list[Message]:
    sent: list[Message] = []

    async def send(message: Message) -> None:
        sent.append(message)

    scope = {"type": "http", "method": "POST", "path": path, "headers": headers}
    middleware = BodySizeLimitMiddleware(read_all, max_bytes=LIMIT, path_limits={"/upload": 4 * LIMIT})
    asyncio.run(middleware(scope, upload.receive, send))
    return sent


def test_a_declared_length_over_the_limit_is_413_without_reading() -> None:
    upload = Upload(chunks=5, size=400)

    sent = run(upload, [(b"content-length", b"2000")])

    assert sent[0]["status"] == 413
    assert b"larger than the limit of 1000 bytes" in sent[1]["body"]
    assert upload.reads == 0


def test_a_stream_over_the_limit_is_413_and_stops_being_read() -> None:
    # Chunked: no Content-Length. 3 chunks of 400 cross the limit; the other 97 are never read.
    upload = Upload(chunks=100, size=400)

    sent = run(upload, [(b"transfer-encoding", b"chunked")])

    assert sent[0]["status"] == 413
    assert upload.reads == 3


def test_a_false_declared_length_is_caught_while_streaming() -> None:
    upload = Upload(chunks=10, size=400)

    sent = run(upload, [(b"content-length", b"10")])

    assert sent[0]["status"] == 413
    assert upload.reads == 3


@pytest.mark.parametrize("size", [1, LIMIT])
def test_a_body_within_the_limit_passes_whole(size: int) -> None:
    sent = run(Upload(chunks=1, size=size), [(b"content-length", str(size).encode())])

    assert (sent[0]["status"], sent[1]["body"]) == (200, str(size).encode())


def test_a_path_with_its_own_limit_takes_more_and_no_more() -> None:
    within = run(Upload(chunks=3, size=LIMIT), [(b"content-length", str(3 * LIMIT).encode())], path="/upload")
    declared = run(Upload(chunks=5, size=LIMIT), [(b"content-length", str(5 * LIMIT).encode())], path="/upload")
    streamed = Upload(chunks=10, size=LIMIT)
    counted = run(streamed, [(b"transfer-encoding", b"chunked")], path="/upload")

    assert (within[0]["status"], within[1]["body"]) == (200, str(3 * LIMIT).encode())
    assert declared[0]["status"] == 413
    assert json.loads(declared[1]["body"]) == {"detail": f"request body is larger than the limit of {4 * LIMIT} bytes"}
    assert (counted[0]["status"], streamed.reads) == (413, 5)


def test_other_paths_keep_the_default_limit() -> None:
    sent = run(Upload(chunks=3, size=LIMIT), [(b"content-length", str(3 * LIMIT).encode())], path="/upload/more")

    assert sent[0]["status"] == 413


# The body time limit, with a short limit (the reliability tests use the real one on a live server).
TIMEOUT = 0.05
TIMED_SCOPE: Scope = {"type": "http", "method": "POST", "path": "/predict", "headers": [(b"content-length", b"4")]}


def run_timed(app: BodySizeLimitMiddleware, messages: list[tuple[float, Message]]) -> list[Message]:
    """Deliver `messages`, each after its delay; return what the app sent."""
    sent: list[Message] = []
    pending = iter(messages)

    async def receive() -> Message:
        delay, message = next(pending, (3600.0, {"type": "http.disconnect"}))
        await asyncio.sleep(delay)
        return message

    async def send(message: Message) -> None:
        sent.append(message)

    asyncio.run(app(TIMED_SCOPE, receive, send))
    return sent


async def echo_after_disconnect(scope: Scope, receive: Receive, send: Send) -> None:
    """Reads the whole body, then waits for the client to leave, as a streaming response does."""
    body = await read_body(receive)
    assert (await receive())["type"] == "http.disconnect"
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": body})


def test_a_body_that_stalls_past_the_limit_gets_408_and_a_close() -> None:
    app = BodySizeLimitMiddleware(echo_after_disconnect, max_bytes=1024, timeout=TIMEOUT)

    sent = run_timed(
        app, [(0, {"type": "http.request", "body": b"ab", "more_body": True}), (1.0, {"type": "http.request"})]
    )

    assert sent[0]["status"] == 408
    assert (b"connection", b"close") in sent[0]["headers"]
    assert json.loads(sent[1]["body"]) == {"detail": f"the request body did not arrive within {TIMEOUT:g} s"}


def test_after_a_whole_body_waiting_for_the_client_is_not_limited() -> None:
    app = BodySizeLimitMiddleware(echo_after_disconnect, max_bytes=1024, timeout=TIMEOUT)
    body = {"type": "http.request", "body": b"abcd", "more_body": False}

    sent = run_timed(app, [(0, body), (TIMEOUT * 4, {"type": "http.disconnect"})])

    assert (sent[0]["status"], sent[1]["body"]) == (200, b"abcd")
