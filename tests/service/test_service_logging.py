"""JSON log lines and request-id selection."""

from __future__ import annotations

import json
import logging
import re
import sys

import pytest

from app.core.logging import JsonFormatter, request_id_var
from app.core.request_id import pick_request_id


def format_record(message: str, **extra: object) -> dict[str, object]:
    record = logging.LogRecord("app.test", logging.WARNING, __file__, 1, message, None, None)
    record.__dict__.update(extra)
    return json.loads(JsonFormatter("orders").format(record))


def test_a_log_line_is_one_json_object_with_the_request_id() -> None:
    token = request_id_var.set("req-1")
    try:
        event = format_record("paid\nline two", status=201, client="203.0.113.7")
    finally:
        request_id_var.reset(token)
    assert event["message"] == "paid\nline two"  # escaped inside one line, not split
    assert event["request_id"] == "req-1"
    assert event["service"] == "orders"
    assert event["level"] == "WARNING"
    assert (event["status"], event["client"]) == (201, "203.0.113.7")
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", str(event["time"]))


def test_lines_outside_a_request_have_no_request_id() -> None:
    assert "request_id" not in format_record("started")


def test_exceptions_are_kept_in_the_same_line() -> None:
    try:
        raise ValueError("boom")
    except ValueError:
        record = logging.LogRecord(
            "app", logging.ERROR, __file__, 1, "failed", None, sys.exc_info()
        )
    line = JsonFormatter("orders").format(record)
    assert "\n" not in line
    assert "ValueError: boom" in json.loads(line)["exception"]


TRACE = b"Root=1-67891233-abcdef012345678912345678;Sampled=1"


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ([(b"x-request-id", b"abc-123")], "abc-123"),
        ([(b"x-amzn-trace-id", TRACE)], "1-67891233-abcdef012345678912345678"),
        # The caller's own id wins over the ALB's, whatever the header order.
        ([(b"x-amzn-trace-id", TRACE), (b"x-request-id", b"mine")], "mine"),
        # Unsafe ids (spaces, quotes, too long) are not echoed or logged: the trace id is used.
        (
            [(b"x-request-id", b"a b"), (b"x-amzn-trace-id", TRACE)],
            "1-67891233-abcdef012345678912345678",
        ),
        ([(b"x-request-id", b'"><script>')], None),
        ([(b"x-request-id", b"x" * 129)], None),
        ([(b"x-amzn-trace-id", b"Parent=53995c3f42cd8ad8")], None),
        ([], None),
    ],
)
def test_request_id_choice(headers: list[tuple[bytes, bytes]], expected: str | None) -> None:
    chosen = pick_request_id(headers)
    if expected is None:
        assert re.fullmatch(r"[0-9a-f]{32}", chosen)  # a fresh uuid4
    else:
        assert chosen == expected
