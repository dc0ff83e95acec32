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


class CountingStream(io.StringIO):
    """A stream that counts its writes: how many system calls stdout would make."""

    def __init__(self) -> None:
        super().__init__()
        self.writes = 0

    def write(self, text: str) -> int:
        self.writes += 1
        return super().write(text)


def test_a_turn_s_access_lines_go_out_in_one_write_before_the_next_log_record() -> None:
    """Inside the event loop, the lines of one turn are queued and written together at the end
    of that turn; a log record emitted in the same turn is written after them, so the output
    keeps the order things happened in."""
    import asyncio  # noqa: PLC0415 (only these tests run a loop)

    stream = CountingStream()
    handler = JsonLineHandler("orders", stream)

    async def serve_three_then_log() -> tuple[int, int]:
        for status in (200, 404, 422):
            handler.write_access("GET", "/math/add", status, 0.5, "10.0.0.7")
        queued = stream.writes
        handler.handle(logging.makeLogRecord({"name": "app", "msg": "after", "levelno": 30}))
        return queued, stream.writes

    queued_writes, after_record = asyncio.run(serve_three_then_log())
    assert queued_writes == 0  # nothing written while the turn is still serving
    assert after_record == 2  # the three access lines in one write, then the record
    events = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert [e["message"] for e in events] == [
        "GET /math/add 200",
        "GET /math/add 404",
        "GET /math/add 422",
        "after",
    ]


def test_queued_access_lines_are_written_at_the_end_of_the_turn() -> None:
    import asyncio  # noqa: PLC0415

    stream = CountingStream()
    handler = JsonLineHandler("orders", stream)

    async def serve_then_yield() -> int:
        handler.write_access("GET", "/math/add", 200, 0.5, None)
        handler.write_access("GET", "/math/add", 200, 0.7, None)
        await asyncio.sleep(0)  # the loop's next turn runs the scheduled write
        return stream.writes

    assert asyncio.run(serve_then_yield()) == 1
    assert [json.loads(line)["duration_ms"] for line in stream.getvalue().splitlines()] == [
        0.5,
        0.7,
    ]


def test_access_lines_outside_an_event_loop_and_at_shutdown_are_not_lost() -> None:
    """No running loop (a thread, a script): written at once. A loop that stops before its
    next turn: logging.shutdown's flush at exit writes what is queued."""
    import asyncio  # noqa: PLC0415

    stream = CountingStream()
    handler = JsonLineHandler("orders", stream)
    handler.write_access("GET", "/a", 200, 0.1, None)
    assert stream.writes == 1

    loop = asyncio.new_event_loop()

    def queue_then_stop() -> None:
        handler.write_access("GET", "/b", 200, 0.1, None)  # schedules its write for next turn
        loop.stop()  # ... which never comes, as when the process exits

    loop.call_soon(queue_then_stop)
    try:
        loop.run_forever()
    finally:
        loop.close()
    assert "/b" not in stream.getvalue()
    handler.flush()  # what logging.shutdown calls at exit
    assert [json.loads(line)["path"] for line in stream.getvalue().splitlines()] == ["/a", "/b"]
