"""Steady keep-alive load on 127.0.0.1 that records every request it sends.

Paced clients (one connection each) send `/math/add` at a fixed total rate; slow clients send
the rehearsal's slow route back to back, so some requests are always in flight on every task.
A connection is reused until it fails; a failed request is recorded and the next one opens a
new connection. Stopping lets every request already sent finish (or time out), so each one
has an outcome. Runs its own event loop in a thread.

Outcomes: "ok" (2xx), "http <code>", "timeout" (no full answer within the timeout), "reset"
(connection reset), "closed" (connection closed before a full answer), "refused" (the load
balancer's port refused the connection).
"""

from __future__ import annotations

import asyncio
import math
import threading
import time
from dataclasses import dataclass

from bench.rollout.balancer import TARGET_HEADER
from testkit.slow_app import SLOW_PATH

FAST_PATH = "/math/add?i=5&i=10"
OK = "ok"


def slow_request_path(seconds: float) -> str:
    """testkit/slow_app.py's slow route, answered after `seconds`."""
    return f"{SLOW_PATH}?seconds={seconds:g}"


@dataclass(frozen=True)
class Record:
    start: float
    """time.monotonic() when the request was sent (or its connection opened)."""
    end: float
    slow: bool
    outcome: str
    target: str
    """The task that answered (the balancer's response header), "" if none did."""

    @property
    def failed(self) -> bool:
        return self.outcome != OK


@dataclass(frozen=True)
class LoadShape:
    """How much load, of which kind."""

    rate: float
    """Requests per second over all paced clients."""
    paced_clients: int
    """Connections that share the rate, each sending at rate / paced_clients."""
    slow_clients: int
    """Clients that send only slow requests, back to back."""
    slow_seconds: float
    """How long each slow request takes (the server sleeps that long before answering)."""
    timeout: float
    """Seconds a request may take in all before it counts as timed out."""


# The committed run's load; the rehearsal sets the timeout from the stack's idle timeout.
DEFAULT_SHAPE = LoadShape(rate=200, paced_clients=16, slow_clients=8, slow_seconds=3, timeout=65)


class _StatusError(Exception):
    """Raised inside an exchange to leave it with an outcome."""

    def __init__(self, outcome: str) -> None:
        super().__init__(outcome)
        self.outcome = outcome


class LoadClient:
    def __init__(self, port: int, shape: LoadShape) -> None:
        self.port = port
        self.shape = shape
        self.records: list[Record] = []
        self._stopping = False
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._run, name="rollout-load", daemon=True)
        self._done = threading.Event()

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> list[Record]:
        """Send nothing more, wait for what is in flight, return every record."""
        self._stopping = True
        self._done.wait(timeout=self.shape.timeout + 30)
        self._thread.join(timeout=5)
        return sorted(self.records, key=lambda record: record.start)

    def _run(self) -> None:
        try:
            self._loop.run_until_complete(self._main())
        finally:
            self._loop.close()
            self._done.set()

    async def _main(self) -> None:
        shape = self.shape
        interval = shape.paced_clients / shape.rate
        slow_path = slow_request_path(shape.slow_seconds)
        clients = [
            self._client(FAST_PATH, interval, offset=interval * i / shape.paced_clients)
            for i in range(shape.paced_clients)
        ] + [
            self._client(
                slow_path, 0.0, offset=shape.slow_seconds * i / shape.slow_clients, slow=True
            )
            for i in range(shape.slow_clients)
        ]
        await asyncio.gather(*clients)

    async def _client(self, path: str, interval: float, offset: float, slow: bool = False) -> None:
        request = f"GET {path} HTTP/1.1\r\nHost: rehearsal\r\n\r\n".encode()
        connection: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None
        next_at = time.monotonic() + offset
        while not self._stopping:
            delay = next_at - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            next_at = next_slot(next_at, interval, time.monotonic())
            start = time.monotonic()
            try:
                connection, target = await asyncio.wait_for(
                    self._exchange(connection, request), self.shape.timeout
                )
                outcome = OK
            except _StatusError as answer:
                outcome, target = answer.outcome, ""
            except TimeoutError:
                outcome, target = "timeout", ""
            except ConnectionRefusedError:
                outcome, target = "refused", ""
            except ConnectionResetError:
                outcome, target = "reset", ""
            except (asyncio.IncompleteReadError, ConnectionError, OSError):
                outcome, target = "closed", ""
            if outcome != OK:
                connection = None  # the exchange closed it
            self.records.append(Record(start, time.monotonic(), slow, outcome, target))
        _close(connection)

    async def _exchange(
        self,
        connection: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None,
        request: bytes,
    ) -> tuple[tuple[asyncio.StreamReader, asyncio.StreamWriter] | None, str]:
        """One request; returns the connection (None once closed) and the target. On any
        failure, cancellation included, the connection is closed before the error propagates."""
        if connection is None:
            connection = await asyncio.open_connection("127.0.0.1", self.port)
        try:
            reader, writer = connection
            writer.write(request)
            await writer.drain()
            status_line = await reader.readuntil(b"\r\n")
            headers = _headers(await reader.readuntil(b"\r\n\r\n"))
            await reader.readexactly(int(headers.get("content-length", "0")))
            status = int(status_line.split()[1])
            if not 200 <= status < 300:
                raise _StatusError(f"http {status}")
        except BaseException:
            _close(connection)
            raise
        if headers.get("connection", "").lower() == "close":
            _close(connection)
            return None, headers.get(TARGET_HEADER.lower(), "")
        return connection, headers.get(TARGET_HEADER.lower(), "")


def next_slot(previous: float, interval: float, now: float) -> float:
    """The client's next send time: one interval on, or, after a slow answer, the first slot
    of its own schedule still ahead. No burst to catch up, and clients keep their offsets, so
    a stall does not bunch them together."""
    if interval <= 0:
        return now
    missed = max(0, math.ceil((now - previous) / interval) - 1)
    return previous + (missed + 1) * interval


def _headers(head: bytes) -> dict[str, str]:
    headers = {}
    for line in head.decode("latin-1").split("\r\n"):
        name, sep, value = line.partition(":")
        if sep:
            headers[name.strip().lower()] = value.strip()
    return headers


def _close(connection: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None) -> None:
    if connection is not None:
        connection[1].close()
