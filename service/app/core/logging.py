"""Structured logs: one JSON object per line on stdout, each carrying the request id.

CloudWatch (the awslogs driver) stores stdout line by line, so one line must be one event;
the JSON fields make Logs Insights queries such as `filter request_id = "..."` possible.
"""

from __future__ import annotations

import json
import logging
import sys
import time
from contextvars import ContextVar
from typing import Any

# Set per request by the request-id middleware; contextvars follow the request's task.
request_id_var: ContextVar[str | None] = ContextVar("request_id", default=None)

# LogRecord attributes that are not user-supplied `extra=` fields.
_RECORD_ATTRIBUTES = frozenset(
    vars(logging.LogRecord("", 0, "", 0, "", None, None)).keys() | {"message", "asctime"}
)


class JsonFormatter(logging.Formatter):
    """Formats a record as a single JSON line; `extra=` fields become top-level keys."""

    def __init__(self, service: str) -> None:
        super().__init__()
        self._service = service

    def format(self, record: logging.LogRecord) -> str:
        event: dict[str, Any] = {
            "time": _utc_timestamp(record.created),
            "level": record.levelname,
            "logger": record.name,
            "service": self._service,
            "message": record.getMessage(),
        }
        request_id = request_id_var.get()
        if request_id is not None:
            event["request_id"] = request_id
        event.update(
            (key, value) for key, value in vars(record).items() if key not in _RECORD_ATTRIBUTES
        )
        if record.exc_info:
            event["exception"] = self.formatException(record.exc_info)
        # default=str: a stray non-JSON value must not cost the log line.
        return json.dumps(event, default=str)


def _utc_timestamp(created: float) -> str:
    seconds = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(created))
    return f"{seconds}.{int(created % 1 * 1000):03d}Z"


def configure_logging(service: str, level: str) -> None:
    """Route the app's and uvicorn's loggers through one JSON handler on stdout.

    Runs when the app is imported, after uvicorn configured its own text loggers, so it
    replaces them. uvicorn's access log is switched off: the request-id middleware writes
    the access line instead, with the request id and duration uvicorn does not know.
    """
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(JsonFormatter(service))
    handler.setLevel(level)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name in ("uvicorn", "uvicorn.error"):
        uvicorn_logger = logging.getLogger(name)
        uvicorn_logger.handlers.clear()
        uvicorn_logger.setLevel(logging.NOTSET)  # APP_LOG_LEVEL governs every logger
        uvicorn_logger.propagate = True
    logging.getLogger("uvicorn.access").disabled = True
