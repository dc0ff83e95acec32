"""Offline preview benchmark: wall time of `scripts/offline-preview.sh dev` with the pack, warm.

One untimed run first (it may set up the virtualenvs, build the CLI and create the local stack);
then each timed run is the whole command a developer types: setup checks, the Pulumi engine,
the program, the offline stand-in providers and the policy pack. A run must exit 0 with the
pack's report in its output, or the figure is not recorded.
"""

from __future__ import annotations

import statistics
import subprocess
import time
from collections.abc import Callable
from typing import Any

from tests.support.uvicorn_process import REPO

SCRIPT = REPO / "scripts" / "offline-preview.sh"
STACK = "dev"
TIMEOUT_SECONDS = 900
PACK_REPORT = "fargate-service-guard@"  # the pack's line under "Policies:" in pulumi's output


def _preview() -> tuple[float, subprocess.CompletedProcess[str]]:
    began = time.perf_counter()
    done = subprocess.run(
        ["bash", str(SCRIPT), STACK],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
        timeout=TIMEOUT_SECONDS,
    )
    return time.perf_counter() - began, done


def run(repeats: int, log: Callable[[str], None] = print) -> dict[str, Any]:
    if not SCRIPT.exists():
        why = f"{SCRIPT.relative_to(REPO)} is missing (the offline preview is not wired yet)"
        log(f"  preview skipped: {why}")
        return {"skipped": why}
    cold_seconds, done = _preview()
    if done.returncode != 0 or PACK_REPORT not in done.stdout:
        why = (
            f"the untimed first run exited {done.returncode}: {(done.stderr or done.stdout)[-600:]}"
        )
        log(f"  preview skipped: {why}")
        return {"skipped": why}
    samples = []
    for _ in range(repeats):
        seconds, done = _preview()
        if done.returncode != 0 or PACK_REPORT not in done.stdout:
            raise RuntimeError(
                f"offline preview of {STACK} exited {done.returncode}:\n{done.stderr[-2000:]}"
            )
        samples.append(seconds)
        log(f"  offline preview ({STACK}, warm): {seconds:.2f} s")
    return {
        "stack": STACK,
        "first_run_seconds": cold_seconds,
        "seconds": statistics.median(samples),
        "seconds_samples": samples,
    }
