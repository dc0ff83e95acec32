"""The rehearsal: two tasks behind the balancer, replaced one at a time under load as ECS replaces
them in a rolling update (minimum healthy 100 %, maximum 200 %), then a negative control.

A replacement, exactly as issue 15 describes ECS:
1. start a new task and register it at once; it takes traffic once the target group's health
   check has passed it healthy-threshold times;
2. then deregister an old task: no new requests, open ones drain for the deregistration delay,
   after which the target group closes whatever is still open;
3. then SIGTERM, and SIGKILL if the task still runs stopTimeout seconds later.

The negative control breaks step 2: the old task gets SIGTERM while still registered, and the
target group only stops sending it requests once its health check has failed
unhealthy-threshold times. It must lose requests, or the rehearsal could not see a loss.

Every request is sent by bench.rollout.load and counted by when it was sent: those sent before
the negative control began belong to the rehearsal, the rest to the control.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import signal
import subprocess
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Protocol

from bench.rollout.balancer import Balancer, Slot
from bench.rollout.load import (
    DEFAULT_SHAPE,
    FAST_PATH,
    LoadClient,
    LoadShape,
    Record,
    slow_request_path,
)
from bench.rollout.stack import StackPlan, load_plan
from bench.rollout.tasks import (
    Task,
    create_network_namespace,
    delete_network_namespace,
    rehearsal_command,
)
from testkit.image import buildah, docker_config
from testkit.uvicorn_process import free_port

INITIAL_TASKS = 2
POLL_SECONDS = 0.1
# Seconds a new task may take beyond the health checks themselves (container start, imports).
START_ALLOWANCE_SECONDS = 60

NEGATIVE_DESCRIPTION = (
    "the same replacement with a broken chain: SIGTERM to an old task while it is still"
    " registered (no deregistration, no draining first); the target group stops routing to it"
    " only after its health check fails unhealthy-threshold times"
)

DIFFERENCES_FROM_FARGATE = [
    "Processes, not microVMs: every task shares this machine's two CPUs with the load"
    " balancer, the load and other work; no task CPU or memory limit (buildah's chroot"
    " isolation has no cgroups).",
    "No PID namespace: uvicorn is not PID 1, so after a clean shutdown it ends by the SIGTERM"
    " it re-raises; as PID 1 on Fargate the kernel drops that signal and it exits 0.",
    "/run is a root-owned directory of its own (buildah run writes /run/.containerenv), not"
    " part of the read-only root; the app's user cannot write to it either.",
    "The secrets (appSecrets) are not set: ECS resolves them from SSM or Secrets Manager at"
    " start, which needs AWS.",
    "The task's command serves slow_app:app instead of app.main:app: the same app with a"
    " slow route in front (testkit/slow_app.py, mounted read-only).",
    "HAProxy stands in for the ALB and target group (mapping in bench/rollout/balancer.py); an"
    " ALB may end draining early once a target has no in-flight requests and no connections,"
    " the rehearsal always waits the whole deregistration delay.",
    "ECS also waits for the container health check before it counts a new task healthy; that"
    " only delays when the old task is drained, so the rehearsal follows the target group's"
    " health check alone.",
    "Two tasks, whatever the stack's desired count; the tasks are replaced one at a time.",
    "A request sent to a task that no longer listens gets HAProxy's 503; an ALB answers 502."
    " Either is one failed request.",
    "buildah 1.28 crashes (nil logger) while cleaning up after a run on a read-only root; the"
    " crash comes after the app has exited, and the rehearsal watches the app's own process.",
]


class RehearsalError(RuntimeError):
    """The rehearsal could not be run (setup, a task that never turned healthy)."""


@dataclass(frozen=True)
class Options:
    stack: str
    image: str
    replacements: int = 3
    shape: LoadShape = DEFAULT_SHAPE
    steady_seconds: float = 5.0
    negative_window: float | None = None
    """Seconds after the control's SIGTERM before the old task is deregistered anyway; None
    waits for the health check to take it out, as a real target group would."""


@dataclass
class Timeline:
    """Events on the load's clock (time.monotonic())."""

    events: list[dict[str, Any]] = field(default_factory=list)

    def mark(self, event: str, task: str, **detail: Any) -> float:
        now = time.monotonic()
        self.events.append({"t": now, "event": event, "task": task, **detail})
        return now


class Stoppable(Protocol):
    """What watch_stop needs of a task: its name, whether it still runs, and a SIGKILL."""

    name: str

    def running(self) -> bool: ...

    def kill(self) -> None: ...


def watch_stop(
    task: Stoppable,
    phases: dict[str, Any],
    stop_timeout: float,
    timeline: Timeline,
    until: Callable[[], bool] = lambda: True,
) -> None:
    """After SIGTERM (phases["sigterm"]): note when the task exits, SIGKILL it once stopTimeout
    has passed (as ECS does), and return once it is gone and `until()` has held."""
    kill_at = phases["sigterm"] + stop_timeout
    held = False
    while True:
        if "exit" not in phases:
            if not task.running():
                phases["exit"] = timeline.mark("exit", task.name)
            elif time.monotonic() >= kill_at and "sigkill" not in phases:
                task.kill()
                phases["sigkill"] = timeline.mark("sigkill", task.name)
        held = held or until()
        if held and "exit" in phases:
            return
        time.sleep(0.02)


class Rehearsal:
    def __init__(self, options: Options, plan: StackPlan, work_dir: Path) -> None:
        self.options = options
        self.plan = plan
        self.work_dir = work_dir
        self.timeline = Timeline()
        slots = INITIAL_TASKS + options.replacements + 1
        prefix = f"rh{os.getpid()}"
        self.slots = [Slot(f"t{i}", f"{prefix}-t{i}") for i in range(1, slots + 1)]
        config = docker_config(options.image)
        self.image_volumes = frozenset(config.get("Volumes") or {})
        self.command = rehearsal_command(config["Cmd"], plan.container)
        self.balancer = Balancer(work_dir, plan, self.slots, free_port())
        self.tasks: dict[str, Task] = {}
        self.replacements: list[dict[str, Any]] = []
        self.negative: dict[str, Any] = {}

    # --- setup and teardown -----------------------------------------------------------------

    @contextmanager
    def running(self) -> Iterator[None]:
        created: list[str] = []
        try:
            for slot in self.slots:
                create_network_namespace(slot.netns)
                created.append(slot.netns)
            self.balancer.start()
            for slot in self.slots:
                self.balancer.hold_down(slot.name)
            yield
        finally:
            for task in self.tasks.values():
                task.remove()
            self.balancer.stop()
            for name in created:
                delete_network_namespace(name)

    def _task(self, slot: Slot) -> Task:
        task = Task(
            name=slot.name,
            netns=slot.netns,
            image=self.options.image,
            image_volumes=self.image_volumes,
            container=self.plan.container,
            command=self.command,
            work_dir=self.work_dir,
        )
        self.tasks[slot.name] = task
        return task

    # --- the sequence -----------------------------------------------------------------------

    def run(self) -> tuple[list[Record], float, float]:
        """Returns the records, the start of the load and the start of the negative control."""
        initial = self.slots[:INITIAL_TASKS]
        for slot in initial:
            self._start(slot.name)
        for slot in initial:
            self._wait_healthy(slot.name)
        serving = [slot.name for slot in initial]
        load = LoadClient(self.balancer.port, self.options.shape)
        load_start = time.monotonic()
        load.start()
        try:
            time.sleep(self.options.steady_seconds)
            fresh = iter(self.slots[INITIAL_TASKS:])
            for _ in range(self.options.replacements):
                old, new = serving.pop(0), next(fresh).name
                self.replacements.append(self._replace(old, new, drain=True))
                serving.append(new)
                time.sleep(self.options.steady_seconds)
            negative_start = time.monotonic()
            old, new = serving.pop(0), next(fresh).name
            self.negative = self._replace(old, new, drain=False)
            serving.append(new)
            time.sleep(self.options.steady_seconds)
        finally:
            records = load.stop()
        # Read once the load is over: buildah copies the app's output to the log a little
        # after the process has gone.
        for phases in [*self.replacements, self.negative]:
            phases["clean_shutdown"] = self.tasks[phases["old"]].finished_cleanly()
        return records, load_start, negative_start

    def _replace(self, old: str, new: str, drain: bool) -> dict[str, Any]:
        mark = self.timeline.mark
        plan = self.plan
        phases: dict[str, Any] = {"old": old, "new": new}
        phases["start"] = phases["registered"] = self._start(new)
        phases["healthy"] = self._wait_healthy(new)
        task = self.tasks[old]
        if drain:
            self.balancer.drain(old)
            phases["drain"] = mark("drain", old)
            time.sleep(plan.deregistration_delay)
            phases["open_at_deregistration"] = self.balancer.state(old).current_sessions
            self.balancer.remove(old)
            phases["deregistered"] = mark("deregistered", old)
            phases["sigterm"] = self._sigterm(task)
            self._watch_stop(task, phases)
        else:
            phases["sigterm"] = self._sigterm(task)
            window = self.options.negative_window
            give_up = phases["sigterm"] + (
                window if window is not None else self._unhealthy_timeout()
            )

            def taken_out() -> bool:
                if not self.balancer.state(old).healthy:
                    phases["unhealthy"] = mark("unhealthy", old)
                    return True
                return time.monotonic() >= give_up

            self._watch_stop(task, phases, until=taken_out)
            if window is None and "unhealthy" not in phases:
                raise RehearsalError(
                    f"{old} still healthy {self._unhealthy_timeout():.0f} s after SIGTERM"
                )
            self.balancer.remove(old)
            phases["deregistered"] = mark("deregistered", old)
        return phases

    def _unhealthy_timeout(self) -> float:
        """Ample time for `fall` failed checks: one more interval, each check timing out."""
        check = self.plan.health_check
        return (check.unhealthy_threshold + 1) * (check.interval + check.timeout)

    def _sigterm(self, task: Task) -> float:
        task.signal(signal.SIGTERM)
        return self.timeline.mark("sigterm", task.name)

    def _watch_stop(
        self, task: Task, phases: dict[str, Any], until: Callable[[], bool] = lambda: True
    ) -> None:
        watch_stop(task, phases, self.plan.container.stop_timeout, self.timeline, until)

    def _start(self, name: str) -> float:
        """Start a task; its slot's health checks run already, so it is registered at once."""
        slot = next(slot for slot in self.slots if slot.name == name)
        self._task(slot).start()
        started = self.timeline.mark("start", name)
        self.timeline.mark("registered", name)
        return started

    def _wait_healthy(self, name: str) -> float:
        check = self.plan.health_check
        self._wait(
            lambda: self.balancer.state(name).healthy,
            f"{name} healthy",
            timeout=(check.healthy_threshold + 1) * check.interval + START_ALLOWANCE_SECONDS,
        )
        return self.timeline.mark("healthy", name)

    def _wait(self, condition: Callable[[], bool], what: str, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > deadline:
                logs = {
                    name: task.log_path.read_text()[-2000:] for name, task in self.tasks.items()
                }
                raise RehearsalError(f"{what}: not within {timeout:.0f} s; task logs: {logs}")
            time.sleep(POLL_SECONDS)


# --- results ---------------------------------------------------------------------------------


def run(options: Options, log_dir: Path | None = None) -> dict[str, Any]:
    """Run the rehearsal for `options.stack` and return its results (rollout.json); with
    `log_dir`, the tasks' and HAProxy's logs and HAProxy's config are kept there."""
    plan = load_plan(options.stack)
    shape = options.shape
    if shape.slow_seconds >= plan.deregistration_delay:
        raise RehearsalError(
            f"slow requests of {shape.slow_seconds:g} s cannot drain within the stack's"
            f" deregistration delay of {plan.deregistration_delay} s; use fewer seconds"
        )
    # A request may take as long as the ALB allows before its idle timeout answers 504.
    options = replace(options, shape=replace(shape, timeout=plan.idle_timeout + 5.0))
    load_before = os.getloadavg()
    started = dt.datetime.now(dt.UTC)
    work_dir = Path(tempfile.mkdtemp(prefix="rollout-"))
    try:
        rehearsal = Rehearsal(options, plan, work_dir)
        with rehearsal.running():
            haproxy_version = rehearsal.balancer.version()
            records, load_start, negative_start = rehearsal.run()
    finally:
        if log_dir is not None:
            _keep_logs(work_dir, log_dir)
        shutil.rmtree(work_dir, ignore_errors=True)
    return _results(
        options,
        plan=plan,
        rehearsal=rehearsal,
        records=records,
        load_start=load_start,
        negative_start=negative_start,
        machine={
            "generated": started.strftime("%Y-%m-%d %H:%M UTC"),
            "load_average_before": list(load_before),
            "load_average_after": list(os.getloadavg()),
            "uptime_after": _uptime(),
            "cpus": os.cpu_count(),
            "haproxy": haproxy_version,
            "buildah": _buildah_version(),
            "image": options.image,
        },
    )


def _results(
    options: Options,
    *,
    plan: StackPlan,
    rehearsal: Rehearsal,
    records: list[Record],
    load_start: float,
    negative_start: float,
    machine: dict[str, Any],
) -> dict[str, Any]:
    def rel(t: float) -> float:
        return round(t - load_start, 3)

    positive = [r for r in records if r.start < negative_start]
    negative = [r for r in records if r.start >= negative_start]
    replacements = [_phases_summary(phases, records, rel) for phases in rehearsal.replacements]
    return {
        "stack": plan.stack,
        "command": f"scripts/rollout-rehearsal.sh {plan.stack}",
        "requests": len(positive),
        "failed": sum(r.failed for r in positive),
        "failures_by_outcome": _outcomes(positive),
        "slow_requests": sum(r.slow for r in positive),
        "replacements": len(rehearsal.replacements),
        "load_seconds": round(negative_start - load_start, 1),
        "requests_by_task": dict(Counter(r.target for r in positive if not r.failed)),
        "negative_control": {
            "description": NEGATIVE_DESCRIPTION,
            "requests": len(negative),
            "failed": sum(r.failed for r in negative),
            "failures_by_outcome": _outcomes(negative),
            "failures_by_period": _failures_by_period(negative, rehearsal.negative),
            "window_seconds": options.negative_window,
            "timeline": _phases_summary(rehearsal.negative, records, rel),
        },
        "timeline": replacements,
        "load": {
            "rate": options.shape.rate,
            "paced_clients": options.shape.paced_clients,
            "slow_clients": options.shape.slow_clients,
            "slow_seconds": options.shape.slow_seconds,
            "request_timeout_seconds": options.shape.timeout,
            "paths": [FAST_PATH, slow_request_path(options.shape.slow_seconds)],
        },
        "plan": plan.as_json(),
        "machine": machine,
        "differences_from_fargate": DIFFERENCES_FROM_FARGATE,
        "events": [{**e, "t": rel(e["t"])} for e in rehearsal.timeline.events],
        "series": _series(records, load_start),
        "negative_start": rel(negative_start),
    }


def _phases_summary(
    phases: dict[str, Any], records: list[Record], rel: Callable[[float], float]
) -> dict[str, Any]:
    """Times relative to the load's start, and what the old task had in flight when it was
    drained and when it got SIGTERM (requests it answered that were sent before and answered
    after, plus every failed request open at that moment)."""
    summary = {k: (rel(v) if isinstance(v, float) else v) for k, v in phases.items()}
    old = phases["old"]
    for moment in ("drain", "sigterm"):
        if moment in phases:
            at = phases[moment]
            open_then = [r for r in records if r.start < at < r.end]
            summary[f"in_flight_at_{moment}"] = {
                "answered_by_old_task": sum(r.target == old for r in open_then),
                "slow_answered_by_old_task": sum(r.target == old and r.slow for r in open_then),
                "failed": sum(r.failed for r in open_then),
            }
    return summary


def _failures_by_period(records: list[Record], phases: dict[str, Any]) -> dict[str, int]:
    """The control's failures by when they happened: before its SIGTERM, open at it, sent
    while the stopped task was still registered, or sent after it was deregistered."""
    sigterm, deregistered = phases["sigterm"], phases["deregistered"]
    failed = [r for r in records if r.failed]
    return {
        "ended_before_sigterm": sum(r.end < sigterm for r in failed),
        "open_at_sigterm": sum(r.start < sigterm <= r.end for r in failed),
        "sent_while_still_registered": sum(sigterm <= r.start < deregistered for r in failed),
        "sent_after_deregistration": sum(r.start >= deregistered for r in failed),
    }


def _outcomes(records: list[Record]) -> dict[str, int]:
    return dict(Counter(r.outcome for r in records if r.failed))


def _series(records: list[Record], load_start: float) -> dict[str, Any]:
    """Per second of the load, by the second each request ended: answers per task, failures."""
    seconds = int(max((r.end for r in records), default=load_start) - load_start) + 1
    failed = [0] * seconds
    by_task: dict[str, list[int]] = {}
    for r in records:
        bucket = failed if r.failed else by_task.setdefault(r.target, [0] * seconds)
        bucket[int(r.end - load_start)] += 1
    ok = [sum(counts) for counts in zip(*by_task.values(), strict=True)] or [0] * seconds
    return {"ok": ok, "failed": failed, "ok_by_task": dict(sorted(by_task.items()))}


def _keep_logs(work_dir: Path, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    for kept in [*work_dir.glob("*.log"), *work_dir.glob("*.cfg")]:
        shutil.copy(kept, out / kept.name)


def _uptime() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True, check=False).stdout.strip()


def _buildah_version() -> str:
    for line in buildah("version").splitlines():
        if line.startswith("Version:"):
            return line.split(":", 1)[1].strip()
    return "unknown"
