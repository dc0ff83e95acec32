"""Service benchmark: start, memory and throughput of each server, side by side in one run.

Two phases, both built so that the noise of a shared machine falls on every server alike:

- starts: each server is started fresh `start_trials` times, in turns; every start gives a
  start-to-first-healthy-response time and, once settled, the idle memory of all its processes;
- load: the three servers are started fresh and left idle side by side, then wrk loads one at
  a time in short bursts, rotating through the servers each round, so that the bursts compared
  ran seconds apart. Each figure is the median over rounds; ratios are the median of the
  per-round ratios (paired bursts), which cancels slow drifts in the machine's load. A second
  load phase pins each server to one CPU and wrk to the others: a task with one vCPU, where
  gunicorn's formula still counts the host's CPUs and starts its workers on that one.
"""

from __future__ import annotations

import compileall
import json
import os
import py_compile
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from bench.servers import Server, servers
from bench.turns import rotated
from testkit.uvicorn_process import (
    SERVICE_DIR,
    RunningService,
    image_environment,
    local_environment,
    read_stages,
    run_service,
)
from testkit.wrk import run_wrk

MIB = 2**20
SETTLE_MIN_SECONDS = 1.0
SETTLE_MAX_SECONDS = 15.0
SETTLE_STEP_SECONDS = 0.25
SETTLE_TOLERANCE = 0.01  # total RSS within 1 % between two readings counts as settled
STOP_TIMEOUT_SECONDS = 30.0
SHARED_CPUS = "every_cpu"  # load phases: servers on every CPU, as started
ONE_CPU = "one_cpu"  # each server pinned to one CPU, wrk on the others


@dataclass(frozen=True)
class LoadSettings:
    seconds: int = 5
    warmup_seconds: int = 1
    connections: int = 32
    threads: int = 1
    rounds: int = 5  # one round's /math/add ratio ranged 0.75 to 0.87 in one run: a median of five
    start_trials: int = 5
    one_cpu: bool = True  # a second load phase with each server pinned to one CPU


def compile_app() -> None:
    """Bytecode for the app, as the image's builder makes it (the runtime never writes any)."""
    mode = py_compile.PycInvalidationMode.CHECKED_HASH
    compileall.compile_dir(SERVICE_DIR / "app", quiet=1, invalidation_mode=mode)


def settle(service: RunningService, expected_processes: int) -> dict[str, int]:
    """Wait until every expected process is up and total memory stops moving; return it."""
    time.sleep(SETTLE_MIN_SECONDS)
    deadline = time.monotonic() + SETTLE_MAX_SECONDS
    previous = service.tree_memory_bytes()
    while time.monotonic() < deadline:
        time.sleep(SETTLE_STEP_SECONDS)
        current = service.tree_memory_bytes()
        complete = len(service.tree_pids()) >= expected_processes
        if complete and abs(current["rss"] - previous["rss"]) <= SETTLE_TOLERANCE * previous["rss"]:
            return current
        previous = current
    raise TimeoutError(
        f"memory of {service.tree_pids()} did not settle within {SETTLE_MAX_SECONDS} s"
        f" (expected {expected_processes} processes):\n{service.output()}"
    )


@contextmanager
def started(server: Server) -> Iterator[RunningService]:
    """The server, fresh and settled; stopped with SIGTERM (as ECS stops a task) afterwards."""
    with run_service(**server.launch) as service:
        settle(service, server.expected_processes)
        yield service
        service.stop(STOP_TIMEOUT_SECONDS)


def measure_starts(chosen: tuple[Server, ...], trials: int, log: Callable[[str], None]) -> dict:
    samples: dict[str, list[dict[str, float]]] = {server.key: [] for server in chosen}
    for trial in range(trials):
        for server in rotated(chosen, trial):
            with started(server) as service:
                memory = service.tree_memory_bytes()
                samples[server.key].append(
                    {
                        "seconds_to_healthy": service.seconds_to_healthy,
                        "processes": len(service.tree_pids()),
                        "idle_rss_mib": memory["rss"] / MIB,
                        "idle_pss_mib": memory["pss"] / MIB,
                    }
                )
        log(
            f"  start trial {trial + 1}: "
            + ", ".join(
                f"{key} {runs[-1]['seconds_to_healthy']:.3f} s" for key, runs in samples.items()
            )
        )
    return samples


# What a start costs before the server can answer: each probe is a fresh interpreter (the one
# the servers run on, the image's ENV, service/ as the working directory) that imports one more
# layer than the previous. Read beside ours' start time, it says how much of it is the imports.
FRAMEWORK_FLOOR = "import uvicorn, fastapi"  # the probe the start target's note quotes
IMPORT_PROBES = {
    "interpreter alone": "pass",
    "import uvicorn": "import uvicorn",
    FRAMEWORK_FLOOR: "import uvicorn, fastapi",
    "import uvicorn, app.main (ours, app built)": "import uvicorn, app.main",
}

# Appended to each probe: what the interpreter itself saw, so a slow start says why. Modules
# loaded from source whose bytecode file is missing (compiled at every start: the image's
# PYTHONDONTWRITEBYTECODE keeps it from being written), CPU seconds (user + system), major page
# faults (files read from disk: a cold page cache) and involuntary context switches (runnable
# but preempted: other load on the machine).
_SELF_REPORT = """
import json, os, resource, sys
usage = resource.getrusage(resource.RUSAGE_SELF)
missing = sum(
    1
    for module in list(sys.modules.values())
    if (spec := getattr(module, "__spec__", None)) is not None
    and spec.cached
    and (spec.origin or "").endswith(".py")
    and not os.path.exists(spec.cached)
)
print(json.dumps({
    "cpu_seconds": usage.ru_utime + usage.ru_stime,
    "major_faults": usage.ru_majflt,
    "involuntary_switches": usage.ru_nivcsw,
    "modules": len(sys.modules),
    "without_bytecode": missing,
}))
"""


def measure_imports(trials: int, log: Callable[[str], None]) -> dict[str, dict[str, Any]]:
    """Wall time of each import probe, `trials` times in turns, with what each interpreter saw
    (_SELF_REPORT); medians and samples."""
    env = local_environment(image_environment(read_stages()[-1]))
    samples: dict[str, list[dict[str, float]]] = {label: [] for label in IMPORT_PROBES}
    for _ in range(trials):
        for label, code in IMPORT_PROBES.items():
            began = time.perf_counter()
            done = subprocess.run(
                [sys.executable, "-c", f"{code}\n{_SELF_REPORT}"],
                cwd=SERVICE_DIR,
                env=env,
                check=True,
                capture_output=True,
                text=True,
            )
            wall = time.perf_counter() - began
            samples[label].append({"seconds": wall, **json.loads(done.stdout.splitlines()[-1])})
    found = {
        label: {key: median(run[key] for run in runs) for key in ("seconds", *_REPORTED)}
        | {"samples": runs}
        for label, runs in samples.items()
    }
    log(
        "  imports: "
        + ", ".join(
            f"{label} {f['seconds']:.3f} s (CPU {f['cpu_seconds']:.3f} s,"
            f" {f['without_bytecode']:.0f} modules without bytecode)"
            for label, f in found.items()
        )
    )
    return found


_REPORTED = ("cpu_seconds", "major_faults", "involuntary_switches", "modules", "without_bytecode")


def measure_load(
    chosen: tuple[Server, ...], load: LoadSettings, log: Callable[[str], None]
) -> dict:
    """The servers side by side, loaded in turns: first as they start (every CPU), then each on
    one CPU with wrk on the others (a task with one vCPU; gunicorn still counts the host's)."""
    phases: dict[str, dict] = {}
    after: dict[str, dict[str, float]] = {}
    with ExitStack() as stack:
        running = {server.key: stack.enter_context(started(server)) for server in chosen}
        for server in chosen:
            for path in server.paths:
                if load.warmup_seconds:  # first requests build caches; not counted
                    _wrk(running[server.key], path, load, load.warmup_seconds)
        phases[SHARED_CPUS] = _load_phase(chosen, running, load, log, "every CPU")
        if load.one_cpu:
            with one_cpu(running):
                phases[ONE_CPU] = _load_phase(chosen, running, load, log, "one CPU")
        for key, service in running.items():
            memory = service.tree_memory_bytes()
            after[key] = {"rss_mib": memory["rss"] / MIB, "pss_mib": memory["pss"] / MIB}
    return {"phases": phases, "after_load": after}


def _load_phase(
    chosen: tuple[Server, ...],
    running: dict[str, RunningService],
    load: LoadSettings,
    log: Callable[[str], None],
    label: str,
) -> dict[str, dict[str, list[dict[str, float]]]]:
    """Bursts of wrk per (server, path), rotating the servers' order each round."""
    bursts: dict[str, dict[str, list[dict[str, float]]]] = {
        server.key: {path: [] for path in server.paths} for server in chosen
    }
    paths = dict.fromkeys(path for server in chosen for path in server.paths)
    for number in range(load.rounds):
        for path in paths:
            for server in rotated(chosen, number):
                if path in server.paths:
                    bursts[server.key][path].append(
                        _wrk(running[server.key], path, load, load.seconds)
                    )
        log(
            f"  load round {number + 1} ({label}): "
            + ", ".join(
                f"{key} {path} {runs[-1]['requests_per_second']:,.0f}/s"
                for key, by_path in bursts.items()
                for path, runs in by_path.items()
            )
        )
    return bursts


@contextmanager
def one_cpu(running: dict[str, RunningService]) -> Iterator[None]:
    """Every process (and thread) of every server on the last CPU, this process and so wrk on
    the others; this process gets its CPUs back afterwards."""
    cpus = sorted(os.sched_getaffinity(0))
    if len(cpus) < 2:
        raise RuntimeError(f"one-CPU phase needs two CPUs (one for wrk), this process has {cpus}")
    for service in running.values():
        for pid in service.tree_pids():
            for task in Path(f"/proc/{pid}/task").iterdir():
                os.sched_setaffinity(int(task.name), {cpus[-1]})
    os.sched_setaffinity(0, set(cpus[:-1]))
    try:
        yield
    finally:
        os.sched_setaffinity(0, set(cpus))


def _wrk(service: RunningService, path: str, load: LoadSettings, seconds: int) -> dict[str, float]:
    cpu_before = service.tree_cpu_seconds()
    run = run_wrk(service.base_url + path, seconds, load.connections, load.threads)
    cpu_seconds = service.tree_cpu_seconds() - cpu_before
    return {
        "requests_per_second": run.requests_per_second,
        "p99_latency_ms": run.p99_latency_ms,
        "errors": run.errors,
        "requests": run.requests,
        # The server's own CPU per request over the burst: what a request costs it, whatever
        # else ran on the machine (req/s falls when other work takes the server's CPU; this
        # does not). Ticks of 10 ms over seconds of work: well under 1 % of the figure.
        "server_cpu_us_per_request": cpu_seconds / max(run.requests, 1) * 1e6,
    }


def median(values: Any) -> float:
    return statistics.median(list(values))


def _endpoints(bursts: dict[str, list[dict[str, float]]]) -> dict[str, dict[str, float]]:
    return {
        path: {
            "requests_per_second": median(b["requests_per_second"] for b in runs),
            "p99_latency_ms": median(b["p99_latency_ms"] for b in runs),
            "server_cpu_us_per_request": median(
                b.get("server_cpu_us_per_request", float("nan")) for b in runs
            ),
            "errors": sum(int(b["errors"]) for b in runs),
            "requests": sum(int(b["requests"]) for b in runs),
        }
        for path, runs in bursts.items()
    }


def summarize(server: Server, starts: list[dict[str, float]], load: dict) -> dict[str, Any]:
    phases = {name: bursts[server.key] for name, bursts in load["phases"].items()}
    endpoints = {name: _endpoints(bursts) for name, bursts in phases.items()}
    return {
        "label": server.label,
        "processes": max(int(s["processes"]) for s in starts),
        "seconds_to_healthy": median(s["seconds_to_healthy"] for s in starts),
        "idle_rss_mib": median(s["idle_rss_mib"] for s in starts),
        "idle_pss_mib": median(s["idle_pss_mib"] for s in starts),
        "loaded_rss_mib": load["after_load"][server.key]["rss_mib"],
        "loaded_pss_mib": load["after_load"][server.key]["pss_mib"],
        "endpoints": endpoints[SHARED_CPUS],
        "endpoints_by_phase": endpoints,
        "errors": sum(e["errors"] for by_path in endpoints.values() for e in by_path.values()),
        "start_samples": starts,
        "bursts": phases,
    }


def paired_ratio(
    results: dict[str, Any],
    key: str,
    base: str,
    path: str,
    figure: str,
    *,
    phase: str = SHARED_CPUS,
) -> float:
    """Median over rounds of key's figure / base's figure in the same round of `phase`."""
    ours = results[key]["bursts"][phase][path]
    theirs = results[base]["bursts"][phase][path]
    return median(a[figure] / b[figure] for a, b in zip(ours, theirs, strict=True))


def run(load: LoadSettings, log: Callable[[str], None] = print) -> dict[str, Any]:
    compile_app()
    chosen = servers()
    starts = measure_starts(chosen, load.start_trials, log)
    imports = measure_imports(load.start_trials, log)
    loaded = measure_load(chosen, load, log)
    return {
        "settings": asdict(load),
        "imports": imports,
        "servers": {s.key: summarize(s, starts[s.key], loaded) for s in chosen},
    }
