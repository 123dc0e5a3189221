"""Logs as JSON lines; every line written while a request is handled carries its request id."""

from __future__ import annotations

import json
import logging
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

# Set by the request-context middleware for the duration of one request.
REQUEST_ID: ContextVar[str | None] = ContextVar("request_id", default=None)

ACCESS_LOGGER = "app.access"


class JsonFormatter(logging.Formatter):
    """One JSON object per line. Structured fields come from `extra={"fields": {...}}`."""

    def format(self, record: logging.LogRecord) -> str:
        payload: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "pid": record.process,
            "request_id": getattr(record, "request_id", None) or REQUEST_ID.get(),
            "message": record.getMessage(),
        }
        payload.update(getattr(record, "fields", {}))
        if record.exc_info:
            payload["exception"] = self.formatException(record.exc_info)
        return json.dumps(payload, default=str)


def logging_config(level: str) -> dict[str, Any]:
    """dictConfig for gunicorn's `logconfig_dict`: every logger writes JSON lines to stdout."""
    level = level.upper()
    handler = ["stdout"]
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": f"{__name__}.JsonFormatter"}},
        "handlers": {
            "stdout": {"class": "logging.StreamHandler", "stream": "ext://sys.stdout", "formatter": "json"},
        },
        "root": {"level": level, "handlers": handler},
        "loggers": {
            # uvicorn's workers reuse these handlers for uvicorn.error and uvicorn.access.
            "gunicorn.error": {"level": level, "handlers": handler, "propagate": False},
            # No handler: uvicorn's plain-text access line is replaced by app.access below,
            # which adds the request id, the route and the latency.
            "gunicorn.access": {"level": "INFO", "handlers": [], "propagate": False},
            "app": {"level": level, "handlers": handler, "propagate": False},
            # Access lines are kept at any level: they are the request record.
            ACCESS_LOGGER: {"level": "INFO", "handlers": handler, "propagate": False},
        },
    }
