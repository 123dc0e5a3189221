from __future__ import annotations

import json
import logging
import sys

from app.logs import ACCESS_LOGGER, REQUEST_ID, JsonFormatter, logging_config


def record(message: str, *args: object, **extra: object) -> logging.LogRecord:
    made = logging.LogRecord("app.test", logging.WARNING, __file__, 1, message, args, None)
    made.__dict__.update(extra)
    return made


def test_a_line_is_one_json_object_with_the_current_request_id() -> None:
    token = REQUEST_ID.set("req-42")
    try:
        line = JsonFormatter().format(record("value %s", "x"))
    finally:
        REQUEST_ID.reset(token)

    parsed = json.loads(line)
    assert "\n" not in line
    assert {k: parsed[k] for k in ("level", "logger", "message", "request_id")} == {
        "level": "WARNING",
        "logger": "app.test",
        "message": "value x",
        "request_id": "req-42",
    }


def test_outside_a_request_the_id_is_null_and_fields_are_merged() -> None:
    parsed = json.loads(JsonFormatter().format(record("m", fields={"status": 200, "route": "/health"})))

    assert parsed["request_id"] is None
    assert (parsed["status"], parsed["route"]) == (200, "/health")


def test_an_exception_stays_inside_the_one_line() -> None:
    try:
        raise ValueError("bad")
    except ValueError:
        failed = record("failed", exc_info=sys.exc_info())

    line = JsonFormatter().format(failed)

    assert "\n" not in line
    assert "ValueError: bad" in json.loads(line)["exception"]


def test_the_gunicorn_config_keeps_access_lines_at_any_level() -> None:
    config = logging_config("warning")

    assert config["loggers"]["app"]["level"] == "WARNING"
    assert config["loggers"][ACCESS_LOGGER]["level"] == "INFO"
    # uvicorn's own access line would duplicate ours, without the request id.
    assert config["loggers"]["gunicorn.access"]["handlers"] == []
    assert config["formatters"]["json"]["()"] == "app.logs.JsonFormatter"
