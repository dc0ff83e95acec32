"""The rehearsal's load client counts every failure kind it must report: a 2xx, a non-2xx
answer, a connection closed before the answer, a reset, and no answer in time, each against a
real socket on 127.0.0.1 that answers the client's requests in that order."""

from __future__ import annotations

import socket
import struct
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from bench.rollout.balancer import TARGET_HEADER
from bench.rollout.load import LoadClient, LoadShape, next_slot

OK_RESPONSE = f"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n{TARGET_HEADER}: t9\r\n\r\nok".encode()
ERROR_RESPONSE = b"HTTP/1.1 503 Service Unavailable\r\ncontent-length: 0\r\n\r\n"
# One behaviour per request, in order; the client opens a new connection after each failure.
SCRIPT = ("ok", "503", "close", "reset", "hang", "ok")


def _serve(listener: socket.socket, stop: threading.Event) -> None:
    steps = iter(SCRIPT)
    held: list[socket.socket] = []
    listener.settimeout(0.1)
    while not stop.is_set():
        try:
            connection, _ = listener.accept()
        except TimeoutError:
            continue
        while not stop.is_set():
            if not connection.recv(4096):
                break  # the client closed it
            step = next(steps, "ok")
            if step == "ok":
                connection.sendall(OK_RESPONSE)
                continue
            if step == "503":
                connection.sendall(ERROR_RESPONSE)
            elif step == "reset":  # SO_LINGER 0: close sends RST
                connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            elif step == "hang":
                held.append(connection)
                break
            connection.close()
            break
    for connection in held:
        connection.close()


@contextmanager
def scripted_server() -> Iterator[int]:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    stop = threading.Event()
    thread = threading.Thread(target=_serve, args=(listener, stop), daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1]
    finally:
        stop.set()
        thread.join(timeout=5)
        listener.close()


def test_every_outcome_is_recorded_in_order() -> None:
    shape = LoadShape(rate=10, paced_clients=1, slow_clients=0, slow_seconds=1, timeout=0.5)
    with scripted_server() as port:
        client = LoadClient(port, shape)
        client.start()
        deadline = time.monotonic() + 10
        while len(client.records) < len(SCRIPT) and time.monotonic() < deadline:
            time.sleep(0.05)
        records = client.stop()
    outcomes = [record.outcome for record in records[: len(SCRIPT)]]
    assert outcomes == ["ok", "http 503", "closed", "reset", "timeout", "ok"]
    assert [record.failed for record in records[: len(SCRIPT)]] == [
        False,
        True,
        True,
        True,
        True,
        False,
    ]
    assert records[0].target == "t9"
    assert records[1].target == ""
    assert all(record.end >= record.start for record in records)


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (10.01, 10.08),  # on time: one interval on
        (10.50, 10.56),  # after a stall: the first slot of its own schedule still ahead
        (9.00, 10.08),  # early (the loop never is): still one interval on
    ],
)
def test_paced_client_keeps_its_schedule_after_a_stall(now: float, expected: float) -> None:
    assert next_slot(10.0, 0.08, now) == pytest.approx(expected)
