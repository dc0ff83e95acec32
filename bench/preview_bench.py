"""Offline preview benchmark (target T8): `scripts/offline-preview.sh dev` with the policy pack
against the same command without it (OFFLINE_NO_POLICY_PACK=1), warm, in turns.

Each run is the whole command a developer types: setup checks, the Pulumi engine, the program,
the offline stand-in providers and, in one of the two, the policy pack. One untimed run of each
first (it may set up the virtualenvs, build the CLI and create the local stack). Then pairs in
alternating order; the ratio is the median of the pairs' ratios, so drifts in the machine's load
fall on both. A run with the pack must exit 0 with the pack's report in its output, one without
must exit 0 with no pack in it, or the figure is not recorded.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import time
from collections.abc import Callable
from typing import Any

from testkit.uvicorn_process import REPO

SCRIPT = REPO / "scripts" / "offline-preview.sh"
STACK = "dev"
TIMEOUT_SECONDS = 900
PACK_REPORT = "fargate-service-guard@"  # the pack's line under "Policies:" in pulumi's output
VARIANTS = ("with_pack", "without_pack")


def _preview(variant: str) -> tuple[float, subprocess.CompletedProcess[str]]:
    env = dict(os.environ)
    env.pop("OFFLINE_NO_POLICY_PACK", None)
    if variant == "without_pack":
        env["OFFLINE_NO_POLICY_PACK"] = "1"
    began = time.perf_counter()
    done = subprocess.run(
        ["bash", str(SCRIPT), STACK],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
        timeout=TIMEOUT_SECONDS,
        env=env,
    )
    return time.perf_counter() - began, done


def _problem(variant: str, done: subprocess.CompletedProcess[str]) -> str | None:
    """Why a run does not count, or None."""
    if done.returncode != 0:
        return f"exited {done.returncode}: {(done.stderr or done.stdout)[-1500:]}"
    if (PACK_REPORT in done.stdout) != (variant == "with_pack"):
        return f"the pack's report is {'missing' if variant == 'with_pack' else 'present'}"
    return None


def run(repeats: int, log: Callable[[str], None] = print) -> dict[str, Any]:
    if not SCRIPT.exists():
        why = f"{SCRIPT.relative_to(REPO)} is missing (the offline preview is not wired yet)"
        log(f"  preview skipped: {why}")
        return {"skipped": why}
    first: dict[str, float] = {}
    for variant in VARIANTS:
        first[variant], done = _preview(variant)
        problem = _problem(variant, done)
        if problem:
            why = f"the untimed first run {variant.replace('_', ' ')} {problem}"
            log(f"  preview skipped: {why}")
            return {"skipped": why}
    samples: dict[str, list[float]] = {variant: [] for variant in VARIANTS}
    for number in range(repeats):
        order = VARIANTS if number % 2 == 0 else VARIANTS[::-1]
        for variant in order:
            seconds, done = _preview(variant)
            problem = _problem(variant, done)
            if problem:
                raise RuntimeError(f"offline preview of {STACK} {variant}: {problem}")
            samples[variant].append(seconds)
        log(
            f"  offline preview ({STACK}, warm) {number + 1}: "
            + ", ".join(f"{v.replace('_', ' ')} {runs[-1]:.2f} s" for v, runs in samples.items())
        )
    return {
        "stack": STACK,
        "first_run_seconds": first,
        "seconds": {variant: statistics.median(runs) for variant, runs in samples.items()},
        "seconds_samples": samples,
        "with_over_without": statistics.median(
            a / b for a, b in zip(samples["with_pack"], samples["without_pack"], strict=True)
        ),
    }
