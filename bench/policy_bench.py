"""Policy benchmark: the pack on synthetic stacks of growing size, in-process and through the CLI.

In-process, each resource goes through every resource policy that applies to its type and the
whole stack through every stack policy, with the SDK's own argument objects and unknown-checking
proxies (testkit/policy_harness.py builds them as the SDK's analyzer does, per call). The policies
that apply to a type are the ones the pack declares for it (`PolicyDoc.resource_types`); the SDK
also calls the others, which return at once (that overhead is in the CLI figure). The config is
policy/config/prod.json, where every policy runs.

Through the CLI: `pulumi policy analyze --file <state> --policy-pack policy` on a state file of
the same stack, timed wall to wall (CLI start, pack start-up in its own Python, gRPC, analysis).
"""

from __future__ import annotations

import gc
import json
import shutil
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from pulumi_policy import StackValidationPolicy

from bench import stacks
from bench.turns import rotated
from fargate_policies.catalog import ALL_POLICIES, POLICY_DOCS
from fargate_policies.readers.values import clear_caches
from testkit.policy_harness import (
    Resource,
    check_resource,
    check_stack,
    pack_settings,
    resource_args,
    stack_args,
)
from testkit.uvicorn_process import REPO

POLICY_DIR = REPO / "policy"
PACK_CONFIG = POLICY_DIR / "config" / "prod.json"
CLI_TIMEOUT_SECONDS = 900
# In-process figures are this process's CPU time (one thread, so the same as wall time on an
# idle machine): on a shared machine, time spent preempted by other work would otherwise land
# on whichever of evaluation or baseline it hit. The CLI figures are wall time.
cpu_clock = time.process_time


def applicable(settings: dict[str, tuple[str | None, dict]]) -> tuple[dict, list]:
    """{resource type: [(policy name, knobs)]} and [(stack policy name, knobs)], enabled only."""
    by_type: dict[str, list[tuple[str, dict]]] = {}
    stack_policies: list[tuple[str, dict]] = []
    for policy in ALL_POLICIES:
        level, knobs = settings[policy.name]
        if level == "disabled":
            continue
        if isinstance(policy, StackValidationPolicy):
            stack_policies.append((policy.name, knobs))
            continue
        for resource_type in POLICY_DOCS[policy.name].resource_types:
            by_type.setdefault(resource_type, []).append((policy.name, knobs))
    return by_type, stack_policies


def evaluate(resources: list[Resource], config: dict[str, Any]) -> dict[str, Any]:
    """One in-process evaluation: seconds for resource and stack policies, and what they found."""
    by_type, stack_policies = applicable(pack_settings(config))
    violations: dict[str, int] = {}
    started = cpu_clock()
    calls = 0
    for resource in resources:
        for name, knobs in by_type.get(resource.type, ()):
            outcome = check_resource(name, resource, knobs)
            calls += 1
            if outcome.violations:
                violations[name] = violations.get(name, 0) + len(outcome.violations)
    resource_seconds = cpu_clock() - started
    stack_seconds: dict[str, float] = {}
    for name, knobs in stack_policies:
        began = cpu_clock()
        outcome = check_stack(name, resources, knobs)
        stack_seconds[name] = cpu_clock() - began
        if outcome.violations:
            violations[name] = len(outcome.violations)
    return {
        "seconds": resource_seconds + sum(stack_seconds.values()),
        "resource_policy_seconds": resource_seconds,
        "resource_policy_calls": calls,
        "stack_policy_seconds": stack_seconds,
        "violations": dict(sorted(violations.items())),
    }


def sdk_baseline(resources: list[Resource], by_type: dict, stack_policies: list) -> float:
    """Seconds the SDK's analyzer needs just to hand the pack the same resources for the same
    calls, running no policy: the very argument objects the evaluation builds (the harness's
    resource_args and stack_args: unknown-checking proxies, options, PolicyResources), for the
    same calls with the same knobs. The baseline measured alongside each evaluation."""
    started = cpu_clock()
    for resource in resources:
        for _, knobs in by_type.get(resource.type, ()):
            resource_args(resource, knobs)
    for _, knobs in stack_policies:
        stack_args(resources, knobs)
    return cpu_clock() - started


# Pairs of evaluation and baseline per size: at least --repeats, and at small sizes enough for
# about PAIRED_RESOURCES resources per side. At 1,000 resources the pack's share is a few tens of
# milliseconds of CPU, the difference of two figures that each move by several milliseconds with
# where a garbage collection lands and what else runs on the machine: five pairs gave per-run
# ratios from 0.76 to 1.26 in four full runs (bench/README.md).
PAIRED_RESOURCES = 30_000
MAX_PAIRS = 41


def pairs_for(size: int, repeats: int) -> int:
    """How many evaluation/baseline pairs to time at `size` resources."""
    return max(repeats, min(MAX_PAIRS, PAIRED_RESOURCES // size))


def _fresh() -> None:
    """What each timed side starts from: no garbage of the previous one (a collection it left
    pending would land on the next side), and none of the pack's remembered answers (a task
    definition decoded by the previous evaluation would be free in the next, which a real
    analysis of the stack never gets)."""
    clear_caches()
    gc.collect()


def in_process(sizes: list[int], repeats: int, log: Callable[[str], None]) -> dict[str, Any]:
    config = json.loads(PACK_CONFIG.read_text())
    by_type, stack_policies = applicable(pack_settings(config))
    results: dict[str, Any] = {}
    for size in sizes:
        resources = stacks.synthetic_stack(size)
        pairs = pairs_for(size, repeats)
        runs, baselines = [], []
        # One untimed pair first (the interpreter's first calls of this size's paths).
        evaluate(resources, config)
        sdk_baseline(resources, by_type, stack_policies)
        for number in range(pairs):
            # Evaluation and baseline alternate, and which goes first alternates too, so neither
            # always runs right after a collection or after the other's garbage.
            for side in (
                ("evaluation", "baseline") if number % 2 == 0 else ("baseline", "evaluation")
            ):
                _fresh()
                if side == "evaluation":
                    runs.append(evaluate(resources, config))
                else:
                    baselines.append(sdk_baseline(resources, by_type, stack_policies))
        best = min(runs, key=lambda run: run["seconds"])
        seconds = statistics.median(run["seconds"] for run in runs)
        sdk_seconds = statistics.median(baselines)
        # Target T6: the pack's own time over the SDK's, per pair.
        ratios = [(run["seconds"] - base) / base for run, base in zip(runs, baselines, strict=True)]
        quartiles = statistics.quantiles(ratios, n=4) if len(ratios) > 1 else ratios * 3
        results[str(size)] = {
            "resources": len(resources),
            "types": stacks.counts_by_type(resources),
            "pairs": pairs,
            "seconds": seconds,
            "seconds_samples": [run["seconds"] for run in runs],
            "sdk_seconds": sdk_seconds,
            "sdk_seconds_samples": baselines,
            "pack_seconds": statistics.median(
                run["seconds"] - base for run, base in zip(runs, baselines, strict=True)
            ),
            "pack_over_sdk": statistics.median(ratios),
            "pack_over_sdk_samples": ratios,
            "pack_over_sdk_quartiles": [quartiles[0], quartiles[2]],
            **{key: best[key] for key in ("resource_policy_seconds", "resource_policy_calls")},
            "stack_policy_seconds": best["stack_policy_seconds"],
            "violations": best["violations"],
        }
        log(
            f"  in-process {size:>6,} resources: {seconds:.3f} s"
            f" (SDK objects alone {sdk_seconds:.3f} s;"
            f" resource policies {best['resource_policy_seconds']:.3f} s,"
            f" stack policies {sum(best['stack_policy_seconds'].values()):.3f} s);"
            f" pack / SDK {statistics.median(ratios):.2f}"
            f" (middle half of {pairs} pairs {quartiles[0]:.2f} to {quartiles[2]:.2f})"
        )
    return results


def offline_environment() -> tuple[dict[str, str] | None, str]:
    """The environment scripts/offline-env.sh sets up for the real CLI (Pulumi CLI on PATH, the
    pack's virtualenv, a local PULUMI_HOME, no credentials), or why there is none."""
    script = REPO / "scripts" / "offline-env.sh"
    if not script.exists():
        return None, "scripts/offline-env.sh is missing (it sets up the Pulumi CLI offline)"
    shell = f'source "{script}" && offline_setup >&2 && env -0'
    done = subprocess.run(["bash", "-c", shell], capture_output=True, check=False)
    if done.returncode != 0:
        reason = done.stderr.decode(errors="replace")[-600:]
        return None, f"offline_setup (scripts/offline-env.sh) exited {done.returncode}: {reason}"
    pairs = (item.partition("=") for item in done.stdout.decode().split("\0") if item)
    return {key: value for key, _, value in pairs}, ""


# The packs the CLI compares at CLI_COMPARED_SIZE, in turns (target T7): ours; "hollow", ours with
# every check taken out (same policies, levels and config schemas, each validate reports
# nothing); "noop", one policy that reports nothing. ours / hollow is what the rules cost,
# hollow / noop what the SDK and the engine cost per policy.
COMPARED_PACKS = {
    "ours": POLICY_DIR,
    "hollow": REPO / "bench" / "hollow_pack",
    "noop": REPO / "bench" / "noop_pack",
}
CLI_COMPARED_SIZE = 1_000
CLI_ROUNDS = 3


# Packs that run the project's rules (bench/convert_once_pack: under another analyzer loop):
# they report the stack's violations; every other pack reports nothing.
REPORTING_PACKS = frozenset({"ours", "convert-once"})


def _analyze(
    pulumi: str,
    env: dict[str, str],
    state: Path,
    pack: str,
    pack_dir: Path | None = None,
) -> tuple[float, subprocess.CompletedProcess[str], dict[str, int]]:
    """One `pulumi policy analyze --file` of `state` with the pack `pack` (one of COMPARED_PACKS,
    or any pack in `pack_dir`); wall seconds, the completed process and the violations it
    reported."""
    argv = [pulumi, "policy", "analyze", "--file", str(state), "--json"]
    argv += ["--policy-pack", str(pack_dir or COMPARED_PACKS[pack])]
    if pack != "noop":  # the other packs declare the same config schemas as ours
        argv += ["--policy-pack-config", str(PACK_CONFIG)]
    began = time.perf_counter()
    done = subprocess.run(
        argv, check=False, capture_output=True, text=True, env=env, timeout=CLI_TIMEOUT_SECONDS
    )
    seconds = time.perf_counter() - began
    violations = _violations(done.stdout)
    # Ours: exit 1 with mandatory violations is the expected outcome (a tenth of the units
    # carry one); without a policy report the run itself failed. The others: exit 0, nothing.
    ok = done.returncode in (0, 1) and bool(violations)
    if pack not in REPORTING_PACKS:
        ok = done.returncode == 0 and not violations
    if not ok:
        raise RuntimeError(
            f"pulumi policy analyze ({pack} pack) on {state.name} exited {done.returncode}"
            f" with {violations or 'no violations'}:\n{done.stderr[-2000:]}\n{done.stdout[-2000:]}"
        )
    return seconds, done, violations


def through_cli(sizes: list[int], log: Callable[[str], None]) -> dict[str, Any]:
    env, why = offline_environment()
    if env is None:
        log(f"  CLI rows skipped: {why}")
        return {"skipped": why}
    pulumi = shutil.which("pulumi", path=env["PATH"])
    if pulumi is None:
        why = "offline_setup left no pulumi on PATH"
        log(f"  CLI rows skipped: {why}")
        return {"skipped": why}
    results: dict[str, Any] = {"pulumi": pulumi}
    with tempfile.TemporaryDirectory(prefix="bench-policy-") as tmp:
        for size in sizes:
            state = Path(tmp) / f"stack-{size}.json"
            stacks.write_state(stacks.synthetic_stack(size), state)
            seconds, done, violations = _analyze(pulumi, env, state, "ours")
            results[str(size)] = {
                "seconds": seconds,
                "exit_code": done.returncode,
                "violations": violations,
            }
            log(f"  CLI {size:>6,} resources: {seconds:.2f} s, exit {done.returncode}")
            if size == CLI_COMPARED_SIZE:
                results["noop_comparison"] = _compare_packs(pulumi, env, state, log)
    return results


def _compare_packs(
    pulumi: str, env: dict[str, str], state: Path, log: Callable[[str], None]
) -> dict[str, Any]:
    """The COMPARED_PACKS in turns on the same state, CLI_ROUNDS times, the order rotating."""
    samples = analyze_in_turns(
        pulumi, env, state, COMPARED_PACKS, rounds=CLI_ROUNDS, log=log, label="CLI round"
    )
    return {
        "resources": CLI_COMPARED_SIZE,
        "seconds": {pack: statistics.median(runs) for pack, runs in samples.items()},
        "samples": samples,
        "ours_over_noop": paired_ratio(samples, "ours", "noop"),
        "ours_over_hollow": paired_ratio(samples, "ours", "hollow"),
        "hollow_over_noop": paired_ratio(samples, "hollow", "noop"),
    }


def analyze_in_turns(
    pulumi: str,
    env: dict[str, str],
    state: Path,
    packs: Mapping[str, Path],
    *,
    rounds: int,
    log: Callable[[str], None],
    label: str,
) -> dict[str, list[float]]:
    """Wall seconds of `_analyze` for each pack (name: its folder), `rounds` rounds in turns,
    the order rotating; one log line per round."""
    samples: dict[str, list[float]] = {pack: [] for pack in packs}
    for number in range(rounds):
        for pack in rotated(list(packs), number):
            samples[pack].append(_analyze(pulumi, env, state, pack, packs[pack])[0])
        log(
            f"  {label} {number + 1}: "
            + ", ".join(f"{pack} {runs[-1]:.2f} s" for pack, runs in samples.items())
        )
    return samples


def paired_ratio(samples: Mapping[str, list[float]], top: str, bottom: str) -> float:
    """Median over rounds of top's seconds / bottom's in the same round."""
    return statistics.median(a / b for a, b in zip(samples[top], samples[bottom], strict=True))


def _violations(stdout: str) -> dict[str, int]:
    """Violations per policy from `--json` engine events."""
    counts: dict[str, int] = {}
    for line in stdout.splitlines():
        if not line.startswith("{"):
            continue
        event = json.loads(line).get("policyEvent")
        if event:
            name = event.get("policyName", "?")
            counts[name] = counts.get(name, 0) + 1
    return dict(sorted(counts.items()))


def run(sizes: list[int], repeats: int, cli: bool, log: Callable[[str], None] = print) -> dict:
    results: dict[str, Any] = {"config": str(PACK_CONFIG.relative_to(REPO)), "repeats": repeats}
    results["in_process"] = in_process(sizes, repeats, log)
    results["cli"] = through_cli(sizes, log) if cli else {"skipped": "not requested (--no-cli)"}
    return results
