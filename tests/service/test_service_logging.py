"""JSON log lines and request-id selection."""

from __future__ import annotations

import io
import json
import logging
import re
import sys
from typing import Any

import pytest

from app.core.logging import ACCESS_LOGGER, JsonFormatter, JsonLineHandler, request_id_var
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
        assert re.fullmatch(r"[0-9a-f]{32}", chosen)  # a fresh random id (128 bits)
    else:
        assert chosen == expected


def test_the_access_line_is_the_json_a_record_with_its_fields_would_give() -> None:
    """JsonLineHandler.write_access builds the line from a constant head and the request's
    values; it must read exactly like JsonFormatter's line for a record with the same fields."""
    stream = io.StringIO()
    handler = JsonLineHandler("orders", stream)
    token = request_id_var.set('id "quoted"')
    try:
        handler.write_access("GET", "/math/ä\n", 404, 1.25, None)
        record = logging.LogRecord(
            ACCESS_LOGGER, logging.INFO, __file__, 1, "%s %s %d", ("GET", "/math/ä\n", 404), None
        )
        record.__dict__.update(
            method="GET", path="/math/ä\n", status=404, duration_ms=1.25, client=None
        )
        expected = JsonFormatter("orders").format(record)
    finally:
        request_id_var.reset(token)
    written = stream.getvalue()
    assert written.endswith("\n") and written.count("\n") == 1  # one line, escapes inside it
    fast, formatted = json.loads(written), json.loads(expected)
    assert fast.pop("time")[:19] <= formatted.pop("time")[:19]  # made a moment apart
    assert fast == formatted
    assert list(fast) == list(formatted)  # same key order: lines read alike in CloudWatch


def test_serving_a_request_builds_no_log_record() -> None:
    """The access line costs no LogRecord per request (no frame lookup, no `extra` copy); it is
    still written once per request, and not at all when APP_LOG_LEVEL keeps INFO out."""
    from fastapi.testclient import TestClient  # noqa: PLC0415 (only this test serves)

    from app.main import app  # noqa: PLC0415 (importing it configures logging)

    stream = io.StringIO()
    # pytest adds its own capture handlers to the root logger beside the service's.
    (handler,) = [h for h in logging.getLogger().handlers if isinstance(h, JsonLineHandler)]
    built: list[logging.LogRecord] = []
    default_factory = logging.getLogRecordFactory()

    def counting_factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = default_factory(*args, **kwargs)
        built.append(record)
        return record

    previous_stream = handler.setStream(stream)
    logging.setLogRecordFactory(counting_factory)
    try:
        with TestClient(app) as client:
            built.clear()  # the lifespan's own lines are records, as they should be
            for _ in range(3):
                assert client.get("/math/add?i=1&i=2").text == "3"
            served_at_info = access_lines(stream)
            handler.setLevel(logging.WARNING)
            assert client.get("/math/add?i=1").text == "1"
    finally:
        handler.setLevel(logging.INFO)
        logging.setLogRecordFactory(default_factory)
        handler.setStream(previous_stream)
    # The test client logs each request it makes; the server side must log none as a record.
    assert [r.getMessage() for r in built if not r.name.startswith("httpx")] == []
    assert [event["message"] for event in served_at_info] == ["GET /math/add 200"] * 3
    assert access_lines(stream) == served_at_info  # nothing more written at WARNING


def access_lines(stream: io.StringIO) -> list[dict[str, Any]]:
    events = (json.loads(line) for line in stream.getvalue().splitlines())
    return [event for event in events if event["logger"] == ACCESS_LOGGER]
