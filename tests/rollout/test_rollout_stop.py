"""The rehearsal's stop of an old task, as ECS stops one: SIGTERM, then SIGKILL once the
container's stopTimeout has passed if it still runs (ECS Developer Guide, task definition
parameters, `stopTimeout`: "Time duration (in seconds) to wait before the container is forcefully
killed if it doesn't exit normally on its own"). Run on real local processes; the full rehearsal
(tests/rollout/test_rollout_rehearsal.py) never needs the SIGKILL, since uvicorn exits well
within stopTimeout."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from bench.rollout.rehearsal import Timeline, watch_stop

# A process that ignores SIGTERM (as an app stuck in a request would outlive it), and one that
# exits on it as Python's default handler does.
IGNORES_SIGTERM = (
    "import signal, sys, time; signal.signal(signal.SIGTERM, signal.SIG_IGN);"
    " print('ready', flush=True); time.sleep(60)"
)
EXITS_ON_SIGTERM = "import sys, time; print('ready', flush=True); time.sleep(60)"
STOP_TIMEOUT = 1.0


@dataclass
class LocalTask:
    """A real process in the role of the rehearsal's buildah task."""

    name: str
    process: subprocess.Popen[str]

    def running(self) -> bool:
        return self.process.poll() is None

    def kill(self) -> None:
        self.process.kill()


@contextmanager
def local_task(code: str) -> Iterator[LocalTask]:
    process = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None and process.stdout.readline() == "ready\n"
        yield LocalTask("t1", process)
    finally:
        process.kill()
        process.wait()


def stop(task: LocalTask) -> tuple[dict[str, float], Timeline]:
    timeline = Timeline()
    task.process.send_signal(signal.SIGTERM)
    phases = {"sigterm": timeline.mark("sigterm", task.name)}
    watch_stop(task, phases, STOP_TIMEOUT, timeline)
    return phases, timeline


def test_a_task_that_outlives_sigterm_is_killed_once_stop_timeout_has_passed() -> None:
    with local_task(IGNORES_SIGTERM) as task:
        phases, timeline = stop(task)
        assert task.process.returncode == -signal.SIGKILL
    assert phases["sigkill"] - phases["sigterm"] >= STOP_TIMEOUT
    assert phases["exit"] >= phases["sigkill"]
    assert [event["event"] for event in timeline.events] == ["sigterm", "sigkill", "exit"]


def test_a_task_that_exits_on_sigterm_is_never_killed() -> None:
    with local_task(EXITS_ON_SIGTERM) as task:
        started = time.monotonic()
        phases, timeline = stop(task)
        assert task.process.returncode == -signal.SIGTERM
    assert "sigkill" not in phases
    assert phases["exit"] - started < STOP_TIMEOUT
    assert [event["event"] for event in timeline.events] == ["sigterm", "exit"]
