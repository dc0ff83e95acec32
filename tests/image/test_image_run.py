"""The built image, run with buildah as its own USER: UID 1000, a read-only app, the CMD serving
and passing the image's own HEALTHCHECK as exactly one process, and a clean stop on SIGTERM."""

from __future__ import annotations

import json
import os
import signal
import subprocess
from pathlib import Path

import pytest

from fargate_spec import contract
from testkit.image import (
    WorkingContainer,
    container_processes,
    healthcheck_argv,
    start_cmd,
    wait_until_healthy,
)

pytestmark = pytest.mark.image

# Paths of the image the app's user must not be able to change, and the one it may write
# (ECS mounts a writable /tmp over the read-only root filesystem; here it is the image's own).
READ_ONLY_DIRECTORIES = (
    "/",
    "/app",
    "/app/app",
    "/app/.venv",
    "/app/.venv/bin",
    "/app/.venv/lib/python3.11/site-packages",
    "/usr/local/bin",
    "/etc",
)
READ_ONLY_FILES = ("/app/app/main.py", "/app/.venv/bin/uvicorn", "/app/.venv/pyvenv.cfg")
WRITABLE_DIRECTORY = contract.TMP_MOUNT_PATH

# Tries to create a file in each directory and to open each file for writing; prints
# {path: "ok" | error name}. Runs inside the container with the image's python.
WRITE_PROBE = """
import json, os, sys
directories, files = json.loads(sys.argv[1]), json.loads(sys.argv[2])
outcome = {}
for directory in directories:
    path = os.path.join(directory, ".write-probe")
    try:
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
        os.unlink(path)
        outcome[directory] = "ok"
    except OSError as error:
        outcome[directory] = type(error).__name__
for path in files:
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_APPEND))
        outcome[path] = "ok"
    except OSError as error:
        outcome[path] = type(error).__name__
print(json.dumps(outcome))
"""

# Fetches a few paths from the CMD's server; prints {path: [status, server header]}. Runs inside
# the container with the image's python, as the HEALTHCHECK does.
HEADER_PROBE = """
import json, urllib.error, urllib.request
outcome = {}
for path in ("/healthz", "/docs", "/redoc", "/openapi.json"):
    try:
        response = urllib.request.urlopen("http://127.0.0.1:8000" + path, timeout=3)
    except urllib.error.HTTPError as error:
        response = error
    outcome[path] = [response.status, response.headers.get("server")]
print(json.dumps(outcome))
"""

# Longer than any graceful shutdown the image asks for (UVICORN_TIMEOUT_GRACEFUL_SHUTDOWN).
STOP_TIMEOUT_SECONDS = contract.DEFAULT_GRACEFUL_SHUTDOWN_SECONDS + 15


def test_runs_as_uid_and_gid_1000(container: WorkingContainer) -> None:
    result = container.run(["id", "-u"])
    assert result.returncode == 0, result.stderr
    assert int(result.stdout) == contract.CONTAINER_UID
    assert int(container.run(["id", "-g"]).stdout) == contract.CONTAINER_GID


def test_app_and_root_filesystem_are_not_writable_by_the_app_user(
    container: WorkingContainer,
) -> None:
    directories = [*READ_ONLY_DIRECTORIES, WRITABLE_DIRECTORY]
    result = container.run(
        ["python", "-c", WRITE_PROBE, json.dumps(directories), json.dumps(READ_ONLY_FILES)]
    )
    assert result.returncode == 0, result.stderr
    outcome = json.loads(result.stdout)
    assert outcome.pop(WRITABLE_DIRECTORY) == "ok"  # the probe can succeed
    assert outcome == dict.fromkeys([*READ_ONLY_DIRECTORIES, *READ_ONLY_FILES], "PermissionError")


def test_healthcheck_fails_while_nothing_serves(
    container: WorkingContainer, image_config: dict, netns: list[str]
) -> None:
    result = container.run(healthcheck_argv(image_config), netns)
    assert result.returncode != 0
    assert "Connection refused" in result.stderr


def test_cmd_serves_and_passes_the_image_healthcheck_as_one_process(
    container: WorkingContainer, image_config: dict, netns: list[str]
) -> None:
    with start_cmd(container, image_config["Cmd"], netns) as running:
        health = wait_until_healthy(container, running, healthcheck_argv(image_config), netns)
        processes = container_processes(running.process.pid)
        served = container.run(["python", "-c", HEADER_PROBE], netns)
        log = running.log()
    assert health.returncode == 0, f"{health.stderr}\n{log}"
    # The image's ENV (UVICORN_SERVER_HEADER=false) drops uvicorn's server header, and the app
    # serves no API docs unless APP_API_DOCS turns them on (only the dev stack does).
    assert json.loads(served.stdout) == {
        "/healthz": [200, None],
        "/docs": [404, None],
        "/redoc": [404, None],
        "/openapi.json": [404, None],
    }, served.stderr
    assert len(processes) == 1, processes
    (server,) = processes
    assert "uvicorn" in server.argv[1], server.argv  # python running the venv's uvicorn script
    assert list(server.argv[2:]) == image_config["Cmd"][1:]
    assert set(server.uids) == {contract.CONTAINER_UID}
    assert f"Started server process [{server.pid}]" in log


def test_sigterm_stops_the_server_cleanly(
    container: WorkingContainer, image_config: dict, netns: list[str]
) -> None:
    with start_cmd(container, image_config["Cmd"], netns) as running:
        health = wait_until_healthy(container, running, healthcheck_argv(image_config), netns)
        assert health.returncode == 0, running.log()
        (server,) = container_processes(running.process.pid)
        # What ECS sends the container's main process on stop (the image's STOPSIGNAL).
        os.kill(server.pid, signal.Signals[image_config["StopSignal"]])
        try:
            running.process.wait(timeout=STOP_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            pytest.fail(f"still running {STOP_TIMEOUT_SECONDS} s after SIGTERM:\n{running.log()}")
        log = running.log()
        events = running.json_logs()
    assert not Path(f"/proc/{server.pid}").exists()
    messages = [event["message"] for event in events]
    assert "Shutting down" in messages
    assert "Application shutdown complete." in messages
    assert f"Finished server process [{server.pid}]" in messages
    assert [event for event in events if event["level"] in {"ERROR", "CRITICAL"}] == []
    # uvicorn re-raises SIGTERM once shut down. Here it is not PID 1 (chroot isolation has no
    # PID namespace), so it ends by that signal, which buildah reports; as a container's PID 1
    # the kernel drops the re-raised signal and the exit code is 0.
    assert "subprocess exited on terminated" in log
