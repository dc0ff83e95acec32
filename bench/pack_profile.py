"""Where `pulumi policy analyze --file` spends the pack's Python time (target T7), and what the
upstream fix would leave of it.

Each pack of PROFILED_PACKS analyzes the same synthetic stack through the real CLI while py-spy
records the pack's Python process from its first instruction (bench/pyspy_supervisor.py; `--gil`:
samples of Python running, not of threads waiting for requests). Each sample goes to one bucket
(BUCKETS, `bucket()`), by the frames on its stack. Then the project's pack, the same policies
under an analyzer that converts each request once (bench/convert_once.py) and the no-op pack
take turns through the CLI, unprofiled, timed wall to wall.

    .venv/bin/python -m bench.pack_profile [--size 1000] [--rounds 3] [--out FILE]

`scripts/bench.sh --only policy` runs it at 1,000 resources; results.md shows it under "Where the
pack's time goes".
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import yaml

from bench import policy_bench, stacks
from bench.pyspy_supervisor import OUT_ENV, PYSPY_ENV, RATE_ENV
from bench.turns import rotated
from testkit.uvicorn_process import REPO

PROFILED_PACKS = {
    **policy_bench.COMPARED_PACKS,
    "convert-once": REPO / "bench" / "convert_once_pack",
}
COMPARED = ("ours", "convert-once", "noop")  # timed in turns, unprofiled
RATE = 500  # samples per second
DONE_TIMEOUT_SECONDS = 60  # py-spy writes the profile after the CLI has stopped the pack

# (key, what it holds), in the order a sample is tested against them (`bucket`).
BUCKETS = (
    ("start", "interpreter start, imports and building the pack (the main thread)"),
    ("rules", "our rules (fargate_policies) under the SDK's analyzer"),
    (
        "conversion",
        "pulumi-policy's per-policy conversion: MessageToDict, deserialize_properties,"
        " unknown_checking_proxy, _get_resource_options, _get_provider_resource,"
        " _get_policy_config, building and linking PolicyResources",
    ),
    ("analyzer", "the rest of the SDK's analyzer loop (report callbacks, responses, validate)"),
    ("grpc", "gRPC and protobuf serving (its server threads and thread pool)"),
    ("other", "anything else"),
)
START_FRAMES = frozenset({"_run_module_as_main", "run_path", "_find_and_load"})
CONVERSION_FRAMES = frozenset(
    {
        "MessageToDict",
        "deserialize_properties",
        "unknown_checking_proxy",
        "_PolicyAnalyzerServicer._get_resource_options",
        "_PolicyAnalyzerServicer._get_provider_resource",
        "_PolicyAnalyzerServicer._get_policy_config",
        "PolicyResource.__init__",
        "_props",  # bench/convert_once.py's own, once per request
        "_stack_resources",
    }
)
# Lines of pulumi-policy 1.21.0's policy.py that convert inside the loop over policies:
# Analyze 997-1001 (properties, options, provider, config) and AnalyzeStack 1047-1088 (every
# resource converted and linked again for each stack policy).
CONVERSION_LINES = {
    "_PolicyAnalyzerServicer.Analyze": range(997, 1002),
    "_PolicyAnalyzerServicer.AnalyzeStack": range(1047, 1089),
}
SERVICER = "_PolicyAnalyzerServicer."
GRPC_PATHS = ("grpc/", "google/protobuf/", "concurrent/futures/", "threading.py")


def _frame(text: str) -> tuple[str, str, int]:
    """(function, file, line) of one py-spy raw frame, "function (file:line)"."""
    function, _, where = text.rpartition(" (")
    path, _, line = where.rstrip(")").rpartition(":")
    return function, path, int(line) if line.isdigit() else 0


def bucket(stack: Sequence[str]) -> str:
    """The bucket of one sample, its frames from the thread's root to the running function."""
    frames = [_frame(text) for text in stack]
    if any(name in START_FRAMES for name, _, _ in frames):
        return "start"
    served = [
        index
        for index, (name, path, _) in enumerate(frames)
        if name.startswith(SERVICER) or path.endswith("convert_once.py")
    ]
    if served:
        return _analyzer_bucket(frames[served[0] :], frames[served[-1]])
    if any(marker in path for _, path, _ in frames for marker in GRPC_PATHS):
        return "grpc"
    return "other"


def _analyzer_bucket(below: list[tuple[str, str, int]], innermost: tuple[str, str, int]) -> str:
    """The bucket of a sample inside the SDK's analyzer: `below` are the frames from its
    outermost analyzer method down, `innermost` its innermost analyzer frame."""
    if any("fargate_policies/" in path for _, path, _ in below):
        return "rules"
    name, _, line = innermost
    converting = any(frame in CONVERSION_FRAMES for frame, _, _ in below)
    return "conversion" if converting or line in CONVERSION_LINES.get(name, ()) else "analyzer"


def read_raw(path: Path) -> Counter[tuple[str, ...]]:
    """py-spy's raw output: one "frame;frame;... count" line per distinct stack."""
    stacks_seen: Counter[tuple[str, ...]] = Counter()
    for line in path.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if stack and count.isdigit():
            stacks_seen[tuple(stack.split(";"))] += int(count)
    return stacks_seen


def summarise(samples: Counter[tuple[str, ...]], rate: int, runs: int = 1) -> dict[str, Any]:
    """Samples, share and seconds per bucket (seconds per run: `samples` sums `runs` runs), and
    the leaf functions that took most samples."""
    per_bucket: Counter[str] = Counter()
    leaves: Counter[str] = Counter()
    for stack, count in samples.items():
        per_bucket[bucket(stack)] += count
        leaves[_frame(stack[-1])[0]] += count
    total = sum(samples.values())
    return {
        "runs": runs,
        "samples": total,
        "seconds": total / rate / runs,
        "buckets": {
            key: {
                "samples": per_bucket[key],
                "share": per_bucket[key] / total if total else 0.0,
                "seconds": per_bucket[key] / rate / runs,
            }
            for key, _ in BUCKETS
        },
        "top_functions": leaves.most_common(8),
    }


def _profiling_copy(pack: str, root: Path) -> Path:
    """A directory that is the pack (its files linked) but whose virtualenv's `bin/python` runs
    bench/pyspy_supervisor.py with the pack's real interpreter."""
    source = PROFILED_PACKS[pack]
    settings = yaml.safe_load((source / "PulumiPolicy.yaml").read_text())
    virtualenv = (source / settings["runtime"]["options"]["virtualenv"]).resolve()
    venv = root / f"{pack}-venv"
    (venv / "bin").mkdir(parents=True)
    shutil.copy(virtualenv / "pyvenv.cfg", venv / "pyvenv.cfg")
    wrapper = venv / "bin" / "python"
    real = virtualenv / "bin" / "python"
    supervisor = REPO / "bench" / "pyspy_supervisor.py"
    wrapper.write_text(f'#!/bin/sh\nexec "{real}" "{supervisor}" "{real}" "$@"\n')
    wrapper.chmod(0o755)
    copy = root / pack
    copy.mkdir()
    for entry in source.iterdir():
        if entry.name not in ("PulumiPolicy.yaml", "venv", "__pycache__"):
            (copy / entry.name).symlink_to(entry)
    settings["runtime"]["options"]["virtualenv"] = str(venv)
    (copy / "PulumiPolicy.yaml").write_text(yaml.safe_dump(settings))
    return copy


def _profiled_run(
    pulumi: str, env: dict[str, str], state: Path, pack: str, *, copy: Path, out: Path, pyspy: str
) -> tuple[Counter[tuple[str, ...]], float, int]:
    """One analysis by the profiling copy of `pack`: its samples, wall seconds and violations."""
    profiled_env = {**env, OUT_ENV: str(out), PYSPY_ENV: pyspy, RATE_ENV: str(RATE)}
    seconds, _, violations = policy_bench._analyze(pulumi, profiled_env, state, pack, copy)
    done = out.with_name(out.name + ".done")
    deadline = time.monotonic() + DONE_TIMEOUT_SECONDS
    while not done.exists():
        if time.monotonic() > deadline:
            log = out.with_name(out.name + ".log")
            raise RuntimeError(
                f"py-spy wrote no profile of the {pack} pack within {DONE_TIMEOUT_SECONDS} s;"
                f" its log ({log}): {log.read_text()[-1500:] if log.exists() else 'none'}"
            )
        time.sleep(0.05)
    return read_raw(out), seconds, sum(violations.values())


def _profile(
    pulumi: str, env: dict[str, str], state: Path, runs: int, *, root: Path, pyspy: str
) -> dict[str, Any]:
    """Every pack of PROFILED_PACKS profiled `runs` times in turns (the order rotating), each
    pack's samples summed over its runs."""
    packs = list(PROFILED_PACKS)
    copies = {pack: _profiling_copy(pack, root) for pack in packs}
    samples: dict[str, Counter[tuple[str, ...]]] = {pack: Counter() for pack in packs}
    walls: dict[str, list[float]] = {pack: [] for pack in packs}
    found: dict[str, set[int]] = {pack: set() for pack in packs}
    for number in range(runs):
        for pack in rotated(packs, number):
            out = root / f"{pack}-{number}.raw"
            stacks_seen, seconds, violations = _profiled_run(
                pulumi, env, state, pack, copy=copies[pack], out=out, pyspy=pyspy
            )
            samples[pack].update(stacks_seen)
            walls[pack].append(seconds)
            found[pack].add(violations)
    return {
        pack: {
            **summarise(samples[pack], RATE, runs),
            "wall_seconds_profiled": walls[pack],
            "violations": found[pack].pop() if len(found[pack]) == 1 else sorted(found[pack]),
        }
        for pack in packs
    }


def _compare(
    pulumi: str, env: dict[str, str], state: Path, rounds: int, log: Callable[[str], None]
) -> dict[str, Any]:
    """COMPARED in turns, the order rotating; medians and per-round ratios to the no-op pack."""
    packs = {pack: PROFILED_PACKS[pack] for pack in COMPARED}
    samples = policy_bench.analyze_in_turns(
        pulumi, env, state, packs, rounds=rounds, log=log, label="convert-once round"
    )
    return {
        "samples": samples,
        "seconds": {pack: statistics.median(runs) for pack, runs in samples.items()},
        "ours_over_noop": policy_bench.paired_ratio(samples, "ours", "noop"),
        "convert_once_over_noop": policy_bench.paired_ratio(samples, "convert-once", "noop"),
    }


def run(size: int, rounds: int, log: Callable[[str], None] = print) -> dict[str, Any]:
    """Profile every pack of PROFILED_PACKS `rounds` times (at least once) on a stack of `size`
    resources, then time COMPARED `rounds` times; {"skipped": why} if the CLI or py-spy is
    missing."""
    env, why = policy_bench.offline_environment()
    pulumi = shutil.which("pulumi", path=env["PATH"]) if env else None
    pyspy = shutil.which("py-spy", path=f"{Path(sys.executable).parent}:{os.environ['PATH']}")
    if env is None or pulumi is None or pyspy is None:
        why = why or ("no pulumi on the offline PATH" if pulumi is None else "no py-spy")
        log(f"  pack profile skipped: {why}")
        return {"skipped": why}
    results: dict[str, Any] = {"resources": size, "rate": RATE, "buckets": dict(BUCKETS)}
    with tempfile.TemporaryDirectory(prefix="bench-pack-profile-") as tmp:
        root = Path(tmp)
        state = root / f"stack-{size}.json"
        stacks.write_state(stacks.synthetic_stack(size), state)
        results["packs"] = _profile(pulumi, env, state, max(rounds, 1), root=root, pyspy=pyspy)
        for pack, profile in results["packs"].items():
            shares = ", ".join(
                f"{key} {figures['share']:.0%}" for key, figures in profile["buckets"].items()
            )
            log(
                f"  profile {pack}: {profile['seconds']:.2f} s of Python per run, over"
                f" {profile['runs']} runs ({shares})"
            )
        if rounds:
            results["convert_once"] = _compare(pulumi, env, state, rounds, log)
    return results


def markdown(results: dict[str, Any]) -> list[str]:
    """The "Where the pack's time goes" section of results.md (report.SECTIONS)."""
    profile = (results.get("policy") or {}).get("profile")
    if not profile:
        return []
    lines = ["## Where the pack's time goes (T7)", ""]
    if "skipped" in profile:
        return [*lines, f"Not profiled: {profile['skipped']}."]
    packs = profile["packs"]
    lines += [
        f"`pulumi policy analyze --file` on {profile['resources']:,} resources, each pack's"
        f" Python process recorded by py-spy from its start ({profile['rate']} samples per"
        " second of Python holding the GIL; bench/pack_profile.py), the packs in turns,"
        f" {next(iter(packs.values()))['runs']} runs each. Seconds are samples ÷ rate, per run;"
        " *convert-once* is the project's policies under an analyzer that converts each request"
        " once for all policies (bench/convert_once.py, benchmark only).",
        "",
        "| bucket | " + " | ".join(packs) + " |",
        "|---|" + "---|" * len(packs),
    ]
    for key, label in BUCKETS:
        cells = [
            f"{figures['buckets'][key]['seconds']:.2f} s ({figures['buckets'][key]['share']:.0%})"
            for figures in packs.values()
        ]
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    totals = [f"{figures['seconds']:.2f} s" for figures in packs.values()]
    lines.append("| **total** | " + " | ".join(totals) + " |")
    compared = profile.get("convert_once")
    if compared:
        shown = {
            pack: ", ".join(f"{s:.2f}" for s in runs) for pack, runs in compared["samples"].items()
        }
        lines += [
            "",
            f"Unprofiled, in turns: ours {shown['ours']} s; convert-once {shown['convert-once']}"
            f" s; no-op {shown['noop']} s. Medians of per-round ratios: ours ÷ no-op"
            f" {compared['ours_over_noop']:.2f}x, convert-once ÷ no-op"
            f" {compared['convert_once_over_noop']:.2f}x (T7's target: 1.25x).",
        ]
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.pack_profile", description=__doc__)
    parser.add_argument("--size", type=int, default=policy_bench.CLI_COMPARED_SIZE)
    parser.add_argument("--rounds", type=int, default=policy_bench.CLI_ROUNDS)
    parser.add_argument("--out", type=Path, help="write the results here as JSON")
    args = parser.parse_args(argv)
    results = run(args.size, args.rounds)
    if args.out:
        args.out.write_text(json.dumps(results, indent=2) + "\n")
    print("\n".join(markdown({"policy": {"profile": results}})))
    return 1 if "skipped" in results else 0


if __name__ == "__main__":
    sys.exit(main())
