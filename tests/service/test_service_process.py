"""The service as the image runs it: a real uvicorn process, started from the Dockerfile's CMD
and ENV (testkit/uvicorn_process.py), on 127.0.0.1."""

from __future__ import annotations

import asyncio
import re
import signal
import socket
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from pathlib import Path

import httpx2
import pytest

from fargate_spec import contract
from testkit import slow_app
from testkit.slow_app import SLOW_PATH, STARTED_MESSAGE
from testkit.uvicorn_process import (
    RunningService,
    image_environment,
    read_stages,
    run_service,
)

IMAGE_ENV = image_environment(read_stages()[-1])
GRACE_SECONDS = int(IMAGE_ENV[contract.UVICORN_GRACEFUL_SHUTDOWN_ENV])
KEEP_ALIVE_SECONDS = int(IMAGE_ENV[contract.UVICORN_KEEP_ALIVE_ENV])
UVICORN_DEFAULT_KEEP_ALIVE = 5  # what uvicorn uses when nothing sets it
SLOW_APP = "slow_app:app"
SLOW_APP_PATH = [Path(slow_app.__file__).parent]  # the app is served as a top-level module


@pytest.fixture(scope="module")
def service() -> Iterator[RunningService]:
    with run_service() as running:
        yield running


def get(
    url: str, headers: Mapping[str, str] | None = None, timeout: float = 30
) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, headers=dict(headers or {}))
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def test_liveness_and_readiness_answer(service: RunningService) -> None:
    assert get(service.base_url + contract.LIVENESS_PATH)[::2] == (200, b"ok")
    assert get(service.base_url + contract.READINESS_PATH)[::2] == (200, b"ready")


def test_add_answers_and_bad_input_is_a_422(service: RunningService) -> None:
    assert get(service.base_url + "/math/add?i=5&i=10")[::2] == (200, b"15")
    assert get(service.base_url + "/math/add?i=ten")[0] == 422
    assert get(service.base_url + "/nowhere")[0] == 404


def test_exactly_one_process_serves(service: RunningService) -> None:
    assert service.child_pids() == []


def test_every_log_line_is_json_and_requests_carry_their_id(service: RunningService) -> None:
    status, headers, _ = get(service.base_url + "/math/add?i=1", {"X-Request-ID": "proc-log-1"})
    assert (status, headers["x-request-id"]) == (200, "proc-log-1")
    access = service.wait_for_log(lambda event: event.get("request_id") == "proc-log-1")
    assert access["logger"] == "app.access"
    assert (access["method"], access["path"], access["status"]) == ("GET", "/math/add", 200)
    assert access["duration_ms"] >= 0
    lines = [line for line in service.output().splitlines() if line.strip()]
    assert len(service.json_logs()) == len(lines)  # uvicorn's own lines too: no plain text


def test_log_lines_carry_no_colour_codes(service: RunningService) -> None:
    """uvicorn logs "Started server process" and "Uvicorn running on" with
    `extra={"color_message": ...}`, an ANSI-coloured copy for its console formatter
    (uvicorn 0.54.0, uvicorn/server.py Server._serve and Server._log_started_message); the JSON
    lines must not carry it, nor any escape code."""
    events = service.json_logs()
    assert "Started server process" in " ".join(event["message"] for event in events)
    assert [event for event in events if "color_message" in event] == []
    assert "\x1b" not in service.output()
    assert "\\u001b" not in service.output()


@pytest.mark.parametrize(
    ("trusted", "expected_client"),
    [
        ("127.0.0.1", "203.0.113.7"),  # the peer is a trusted proxy: its X-Forwarded-For counts
        ("10.0.0.0/16", "127.0.0.1"),  # the peer is not in the trusted network: header ignored
    ],
)
def test_forwarded_for_is_trusted_only_from_configured_networks(
    trusted: str, expected_client: str
) -> None:
    with run_service(env={contract.UVICORN_FORWARDED_ALLOW_IPS_ENV: trusted}) as service:
        headers = {"X-Forwarded-For": "203.0.113.7", "X-Request-ID": "proxy-check"}
        assert get(service.base_url + "/math/add?i=1", headers)[0] == 200
        access = service.wait_for_log(lambda event: event.get("request_id") == "proxy-check")
    assert access["client"] == expected_client


def test_bounded_concurrent_load_has_no_errors(service: RunningService) -> None:
    """2,000 requests, 32 at a time, half liveness and half add; every answer checked."""
    total, concurrency = 2000, 32

    async def one(client: httpx2.AsyncClient, number: int) -> str | None:
        if number % 2:
            path, expected = contract.LIVENESS_PATH, "ok"
        else:
            path, expected = f"/math/add?i={number}&i=-3&i={2 * number}", str(3 * number - 3)
        try:
            response = await client.get(path)
        except httpx2.HTTPError as error:
            return f"{path}: {error!r}"
        if (response.status_code, response.text) != (200, expected):
            return f"{path}: {response.status_code} {response.text[:80]!r}"
        return None

    async def run() -> list[str]:
        limits = httpx2.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
        # No pool timeout: all requests are queued at once, and on a busy machine the last ones
        # wait longer than the default 5 s for a connection; the cap below bounds the run.
        timeout = httpx2.Timeout(10.0, pool=None)
        async with httpx2.AsyncClient(
            base_url=service.base_url, limits=limits, timeout=timeout
        ) as client:
            results = await asyncio.gather(*(one(client, n) for n in range(total)))
        return [result for result in results if result is not None]

    # A cap so a hung server fails the test instead of the run; not a speed assertion.
    errors = asyncio.run(asyncio.wait_for(run(), timeout=300))
    assert errors == [], f"{len(errors)} of {total} failed, first: {errors[:5]}"
    assert service.process.poll() is None


@pytest.mark.slow
def test_keep_alive_outlives_uvicorns_default(service: RunningService) -> None:
    """The image's keep-alive (75 s) is in force: an idle connection survives uvicorn's 5 s."""
    assert KEEP_ALIVE_SECONDS > UVICORN_DEFAULT_KEEP_ALIVE
    with socket.create_connection(("127.0.0.1", service.port), timeout=10) as sock:
        assert _request_on(sock, contract.LIVENESS_PATH).startswith(b"HTTP/1.1 200")
        time.sleep(UVICORN_DEFAULT_KEEP_ALIVE + 1)
        assert _request_on(sock, contract.LIVENESS_PATH).startswith(b"HTTP/1.1 200")


@pytest.mark.slow
def test_keep_alive_is_taken_from_the_environment() -> None:
    with (
        run_service(env={contract.UVICORN_KEEP_ALIVE_ENV: "1"}) as service,
        socket.create_connection(("127.0.0.1", service.port), timeout=10) as sock,
    ):
        assert _request_on(sock, contract.LIVENESS_PATH).startswith(b"HTTP/1.1 200")
        time.sleep(2.5)
        assert sock.recv(1024) == b""  # the server closed the idle connection


def _request_on(sock: socket.socket, path: str) -> bytes:
    """One whole response: uvicorn writes the head and the body separately, so the body may
    arrive in a later segment than the head; read until Content-Length bytes of it are in."""
    sock.sendall(f"GET {path} HTTP/1.1\r\nHost: test\r\n\r\n".encode())
    response = b""
    while True:
        chunk = sock.recv(4096)
        if not chunk:
            return response
        response += chunk
        head, separator, body = response.partition(b"\r\n\r\n")
        length = re.search(rb"(?im)^content-length:\s*(\d+)", head)
        if separator and length and len(body) >= int(length.group(1)):
            return response


@pytest.mark.slow
def test_sigterm_lets_the_in_flight_request_finish_then_exits() -> None:
    with run_service(app=SLOW_APP, extra_pythonpath=SLOW_APP_PATH) as service:
        slow = _start_slow_request(service, seconds=3)
        service.process.send_signal(signal.SIGTERM)
        signalled = time.monotonic()
        assert _refuses_connections(service.port, within=2.0), "still accepting after SIGTERM"
        refused_while_in_flight = slow.thread.is_alive()
        exit_code = service.process.wait(timeout=GRACE_SECONDS + 10)
        seconds_to_exit = time.monotonic() - signalled
        slow.thread.join(timeout=10)
        messages = [event["message"] for event in service.json_logs()]
        errors = [event for event in service.json_logs() if event["level"] == "ERROR"]
    assert refused_while_in_flight  # stopped accepting, yet kept serving the open request
    assert slow.result == (200, b"slept 3 s")
    # uvicorn re-raises the SIGTERM after its graceful shutdown, so its parent sees "ended by
    # SIGTERM" (143 in a shell). As PID 1 in a container the kernel drops that re-raised
    # signal and the exit code is 0.
    assert exit_code == -signal.SIGTERM
    assert seconds_to_exit < GRACE_SECONDS
    assert "Application shutdown complete." in messages
    assert errors == []


@pytest.mark.slow
def test_graceful_shutdown_is_bounded_by_its_timeout() -> None:
    """A request longer than the grace period is cancelled so the process still exits in time
    (before ECS's SIGKILL); it is the env var, not the request, that decides when."""
    grace = 1
    env = {contract.UVICORN_GRACEFUL_SHUTDOWN_ENV: str(grace)}
    with run_service(app=SLOW_APP, extra_pythonpath=SLOW_APP_PATH, env=env) as service:
        slow = _start_slow_request(service, seconds=120)
        service.process.send_signal(signal.SIGTERM)
        signalled = time.monotonic()
        exit_code = service.process.wait(timeout=60)
        seconds_to_exit = time.monotonic() - signalled
        slow.thread.join(timeout=10)
    assert exit_code == -signal.SIGTERM
    assert seconds_to_exit < 60  # far less than the 120 s the request wanted
    assert slow.result is not None
    assert slow.result[0] == 500  # cancelled by uvicorn at the deadline


@pytest.mark.parametrize("variable", ["WEB_CONCURRENCY", "UVICORN_WORKERS"])
def test_asking_uvicorn_for_workers_stops_the_service(variable: str) -> None:
    with pytest.raises(RuntimeError) as raised, run_service(env={variable: "2"}):
        pass
    assert f"{variable}='2': would make uvicorn start 2 worker processes" in str(raised.value)


class _SlowRequest:
    def __init__(self, url: str) -> None:
        self.result: tuple[int, bytes] | None = None
        self.thread = threading.Thread(target=self._run, args=(url,), daemon=True)

    def _run(self, url: str) -> None:
        status, _, body = get(url, timeout=180)
        self.result = (status, body)


def _start_slow_request(service: RunningService, seconds: int) -> _SlowRequest:
    """Starts the request in a thread and returns once the app is handling it."""
    slow = _SlowRequest(f"{service.base_url}{SLOW_PATH}?seconds={seconds}")
    slow.thread.start()
    service.wait_for_log(lambda event: event["message"] == STARTED_MESSAGE)
    return slow


def _refuses_connections(port: int, within: float) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
        except ConnectionRefusedError:
            return True
        time.sleep(0.01)
    return False


def test_the_server_s_cpu_time_counts_its_start_and_the_requests_it_serves(
    service: RunningService,
) -> None:
    """RunningService.tree_cpu_seconds, the bench's CPU-per-request figure: importing FastAPI
    alone takes a tenth of a second of CPU, and serving requests adds to it."""
    before = service.tree_cpu_seconds()
    assert before >= 0.1
    for _ in range(500):
        get(service.base_url + "/math/add?i=1")
    assert service.tree_cpu_seconds() > before
