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
from asyncio import get_running_loop
from collections import deque
from contextvars import ContextVar
from json.encoder import encode_basestring_ascii
from typing import Any

# Set per request by app.core.request_id; contextvars follow the request's task.
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

# What an access line is made of, queued per request: time, request id, method, path, status,
# duration in ms, client. A plain tuple: the cheapest thing to build in the request's path.
_AccessEntry = tuple[float, str | None, str, str, int, float, str | None]

# json.dumps's own string encoder (ensure_ascii, its default): access lines quote alike.
_quote = encode_basestring_ascii


class _UtcClock:
    """ISO 8601 UTC timestamps with milliseconds, formatted once per millisecond (lines under
    load share them) and the date and time up to the second once per second."""

    def __init__(self) -> None:
        self._second = -1
        self._prefix = ""
        self._millis = -1
        self._stamp = ""

    def stamp(self, created: float) -> str:
        millis = int(created * 1000)
        if millis != self._millis:
            second, milli = divmod(millis, 1000)
            if second != self._second:
                self._prefix = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second))
                self._second = second
            self._stamp = f"{self._prefix}.{milli:03d}Z"
            self._millis = millis
        return self._stamp


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
    """The one handler on stdout: log records as JsonFormatter lines, access lines directly.

    Access lines are written once per turn of the event loop, all of that turn's requests in
    one write: under load a turn finishes many requests, and a write per line (a system call
    with PYTHONUNBUFFERED, as the image runs) and its formatting in the middle of each request
    cost about a tenth of a /math/add request (bench/README.md). The turn's lines are written
    before the loop polls for more I/O, before any log record (so lines stay in order) and on
    flush, which logging.shutdown runs at exit. Only a SIGKILL in the same turn loses them.
    """

    def __init__(self, service: str, stream: Any = None) -> None:
        super().__init__(stream if stream is not None else sys.stdout)
        self.setFormatter(JsonFormatter(service))
        self._clock = _UtcClock()
        # The fields every access line shares, in JsonFormatter's order and spacing.
        self._access_head = (
            f'"level": "INFO", "logger": "{ACCESS_LOGGER}", "service": {_quote(service)}'
        )
        # Appended by the loop's thread, drained by whichever thread flushes: deque's append
        # and popleft are atomic, so a line queued during a drain is taken by it or the next.
        self._access_queue: deque[_AccessEntry] = deque()

    def write_access(
        self, method: str, path: str, status: int, duration_ms: float, client: str | None
    ) -> None:
        """Queues one access line, the same JSON a record with these `extra=` fields would give,
        to be written at the end of this turn of the running event loop (at once without one)."""
        queue = self._access_queue
        queue.append((time.time(), request_id_var.get(), method, path, status, duration_ms, client))
        if len(queue) > 1:
            return  # the turn's first line has scheduled the write
        try:
            get_running_loop().call_soon(self.flush)
        except RuntimeError:  # no loop in this thread
            self.flush()

    def _access_line(self, entry: _AccessEntry) -> str:
        created, request_id, method, path, status, duration_ms, client = entry
        return (
            f'{{"time": "{self._clock.stamp(created)}", {self._access_head},'
            f' "message": {_quote(f"{method} {path} {status}")},'
            + ("" if request_id is None else f' "request_id": {_quote(request_id)},')
            + f' "method": {_quote(method)}, "path": {_quote(path)}, "status": {status:d},'
            f' "duration_ms": {duration_ms!r},'
            f' "client": {"null" if client is None else _quote(client)}}}\n'
        )

    def flush(self) -> None:
        """Writes the queued access lines, then flushes the stream."""
        queue = self._access_queue
        with self.lock:
            if queue:
                lines = []
                while queue:
                    lines.append(self._access_line(queue.popleft()))
                try:
                    self.stream.write("".join(lines))
                except (OSError, ValueError):
                    # As a record's emit does: report on stderr, never fail a request over it.
                    self.handleError(logging.makeLogRecord({"name": ACCESS_LOGGER}))
            super().flush()

    def emit(self, record: logging.LogRecord) -> None:
        self.flush()  # access lines queued before this record are written before it
        super().emit(record)


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
    replaces them. uvicorn's access log is switched off: app.core.request_id writes the
    access line instead, with the request id and duration uvicorn does not know.
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
