"""Structured logs: one JSON object per line on stdout, each carrying the request id.

CloudWatch (the awslogs driver) stores stdout line by line, so one line must be one event;
the JSON fields make Logs Insights queries such as `filter request_id = "..."` possible.

Every line goes through one handler, JsonLineHandler. Log records (the app's and uvicorn's own
lines) are formatted by JsonFormatter. The access line, one per request, is written by the same
handler from the request's values directly (log_access): building a LogRecord for it (the
caller's frame looked up, thread and process names read, `extra` copied in and scanned again)
cost about a quarter of a /math/add request (bench/README.md), for fields that are fixed.
"""

from __future__ import annotations

import json
import logging
import sys
import time
from contextvars import ContextVar
from json.encoder import encode_basestring_ascii
from typing import Any

# Set per request by the request-id middleware; contextvars follow the request's task.
request_id_var: ContextVar[str | None] = ContextVar("request_id", default=None)

ACCESS_LOGGER = "app.access"

# LogRecord attributes that are not user-supplied `extra=` fields. uvicorn also passes
# `extra={"color_message": ...}` with some of its lines (uvicorn/server.py and config.py,
# "Started server process", "Uvicorn running on"), a copy of the message with ANSI colour codes
# for its own console formatter; it is not a field of the event, so it is dropped too.
_RECORD_ATTRIBUTES = frozenset(
    vars(logging.LogRecord("", 0, "", 0, "", None, None)).keys()
    | {"message", "asctime", "color_message"}
)

# json.dumps's own string encoder (ensure_ascii, its default): access lines quote alike.
_quote = encode_basestring_ascii


class _UtcClock:
    """ISO 8601 UTC timestamps with milliseconds; the date and time up to the second are
    formatted once per second, not once per line."""

    def __init__(self) -> None:
        self._second = -1
        self._prefix = ""

    def stamp(self, created: float) -> str:
        second = int(created)
        if second != self._second:
            self._prefix = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second))
            self._second = second
        return f"{self._prefix}.{int(created % 1 * 1000):03d}Z"


class JsonFormatter(logging.Formatter):
    """Formats a record as a single JSON line; `extra=` fields become top-level keys."""

    def __init__(self, service: str) -> None:
        super().__init__()
        self.service = service
        self._clock = _UtcClock()

    def format(self, record: logging.LogRecord) -> str:
        event: dict[str, Any] = {
            "time": self._clock.stamp(record.created),
            "level": record.levelname,
            "logger": record.name,
            "service": self.service,
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


class JsonLineHandler(logging.StreamHandler):
    """The one handler on stdout: log records as JsonFormatter lines, access lines directly."""

    def __init__(self, service: str, stream: Any = None) -> None:
        super().__init__(stream if stream is not None else sys.stdout)
        self.setFormatter(JsonFormatter(service))
        self._clock = _UtcClock()
        # The fields every access line shares, in JsonFormatter's order and spacing.
        self._access_head = (
            f'"level": "INFO", "logger": "{ACCESS_LOGGER}", "service": {_quote(service)}'
        )

    def write_access(
        self, method: str, path: str, status: int, duration_ms: float, client: str | None
    ) -> None:
        """One access line, the same JSON a record with these `extra=` fields would give."""
        request_id = request_id_var.get()
        line = (
            f'{{"time": "{self._clock.stamp(time.time())}", {self._access_head},'
            f' "message": {_quote(f"{method} {path} {status}")},'
            + ("" if request_id is None else f' "request_id": {_quote(request_id)},')
            + f' "method": {_quote(method)}, "path": {_quote(path)}, "status": {status:d},'
            f' "duration_ms": {duration_ms!r},'
            f' "client": {"null" if client is None else _quote(client)}}}\n'
        )
        with self.lock:
            try:
                self.stream.write(line)
                self.stream.flush()
            except (OSError, ValueError):
                # As a record's emit does: report on stderr, never fail the request over it.
                self.handleError(logging.makeLogRecord({"name": ACCESS_LOGGER, "msg": line}))


_access_logger = logging.getLogger(ACCESS_LOGGER)


def log_access(method: str, path: str, status: int, duration_ms: float, client: str | None) -> None:
    """The request's access line, if APP_LOG_LEVEL lets INFO through, on every JsonLineHandler
    the root logger has (configure_logging installs one)."""
    if not _access_logger.isEnabledFor(logging.INFO):
        return
    for handler in logging.getLogger().handlers:
        if isinstance(handler, JsonLineHandler) and handler.level <= logging.INFO:
            handler.write_access(method, path, status, duration_ms, client)


def configure_logging(service: str, level: str) -> None:
    """Route the app's and uvicorn's loggers through one JSON handler on stdout.

    Runs when the app is imported, after uvicorn configured its own text loggers, so it
    replaces them. uvicorn's access log is switched off: the request-id middleware writes
    the access line instead, with the request id and duration uvicorn does not know.
    """
    handler = JsonLineHandler(service)
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
