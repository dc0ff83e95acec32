"""`python -m bench`: run the benchmarks side by side, print targets, write bench/results/."""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from importlib import metadata
from pathlib import Path
from typing import Any

from bench import image_bench, pack_profile, policy_bench, preview_bench, report, service_bench
from testkit.uvicorn_process import REPO

PARTS = ("service", "image", "policy", "preview")
DEFAULT_SIZES = (100, 1_000, 10_000)


def _sizes(text: str) -> list[int]:
    try:
        sizes = [int(part) for part in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"--sizes {text!r}: expected comma-separated whole numbers, e.g. 100,1000,10000"
        ) from None
    too_small = [size for size in sizes if size < 10]
    if too_small:
        raise argparse.ArgumentTypeError(f"--sizes {text!r}: each size must be at least 10")
    return sizes


def _parts(text: str) -> list[str]:
    chosen = [part.strip() for part in text.split(",") if part.strip()]
    unknown = [part for part in chosen if part not in PARTS]
    if unknown or not chosen:
        raise argparse.ArgumentTypeError(
            f"--only {text!r}: expected a comma-separated subset of {', '.join(PARTS)}"
        )
    return chosen


def _positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text!r}: expected a whole number of at least 1")
    return int(text)


def parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--only", type=_parts, default=list(PARTS), help=",".join(PARTS))
    parser.add_argument("--rounds", type=_positive, default=5, help="load rounds per server")
    parser.add_argument("--seconds", type=_positive, default=5, help="seconds per wrk burst")
    parser.add_argument("--starts", type=_positive, default=5, help="start trials per server")
    parser.add_argument(
        "--image-starts", type=_positive, default=5, help="starts per app in the built image"
    )
    parser.add_argument(
        "--sizes", type=_sizes, default=list(DEFAULT_SIZES), help="policy stack sizes"
    )
    parser.add_argument("--repeats", type=_positive, default=5, help="in-process policy runs")
    parser.add_argument("--previews", type=_positive, default=2, help="timed offline previews")
    parser.add_argument("--no-cli", action="store_true", help="skip `pulumi policy analyze`")
    parser.add_argument(
        "--no-profile", action="store_true", help="skip the pack's py-spy profile (T7)"
    )
    parser.add_argument(
        "--no-one-cpu", action="store_true", help="skip the load phase with servers on one CPU"
    )
    parser.add_argument(
        "--out", type=Path, default=REPO / "bench" / "results", help="results folder"
    )
    return parser.parse_args(argv)


def _versions() -> dict[str, str]:
    names = ("fastapi", "starlette", "uvicorn", "gunicorn", "pulumi-policy", "pulumi")
    found = {}
    for name in names:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = "not installed"
    return found


def uptime() -> str:
    """`uptime`'s line (load averages over 1, 5 and 15 minutes), recorded with the results."""
    done = subprocess.run(["uptime"], capture_output=True, text=True, check=False)
    return done.stdout.strip() or f"load average {os.getloadavg()}"


def log(message: str) -> None:
    print(message, flush=True)


PRIORITY = -10  # nice value: above the other work of a shared machine, for every server alike


def raise_priority() -> int:
    """Run at nice PRIORITY if allowed (every server, wrk and the CLI inherit it), so that other
    work on a shared machine disturbs the figures less; returns the nice value in force."""
    try:
        os.setpriority(os.PRIO_PROCESS, 0, PRIORITY)
    except PermissionError:
        log(f"note: not allowed to raise the priority to nice {PRIORITY}; running as is")
    return os.getpriority(os.PRIO_PROCESS, 0)


def _pack_profile(args: argparse.Namespace, log: Callable[[str], None]) -> dict[str, Any]:
    """bench/pack_profile.py at the CLI comparison's size, unless the CLI or it is left out."""
    size = policy_bench.CLI_COMPARED_SIZE
    if args.no_cli or args.no_profile:
        return {"skipped": "not requested (--no-cli or --no-profile)"}
    if size not in args.sizes:
        return {"skipped": f"--sizes leaves out {size:,}, the size T7 is measured at"}
    log(f"where the pack's time goes, {size:,} resources (py-spy)")
    return pack_profile.run(size, policy_bench.CLI_ROUNDS, log)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse(argv)
    began = time.monotonic()
    results: dict[str, Any] = {
        "generated": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": {
            "cpus": os.cpu_count(),
            "load_before": os.getloadavg()[0],
            "uptime_before": uptime(),
            "python": platform.python_version(),
            "nice": raise_priority(),
            "versions": _versions(),
        },
    }
    if "service" in args.only:
        log("service benchmark")
        load = service_bench.LoadSettings(
            seconds=args.seconds,
            rounds=args.rounds,
            start_trials=args.starts,
            one_cpu=not args.no_one_cpu,
        )
        results["service"] = service_bench.run(load, log)
    else:
        results["service_skipped"] = "not requested (--only)"
    if "image" in args.only:
        log("start in the built image")
        results["image"] = image_bench.run(args.image_starts, log)
    else:
        results["image_skipped"] = "not requested (--only)"
    if "policy" in args.only:
        log("policy benchmark")
        results["policy"] = policy_bench.run(args.sizes, args.repeats, not args.no_cli, log)
        results["policy"]["profile"] = _pack_profile(args, log)
    else:
        results["policy_skipped"] = "not requested (--only)"
    if "preview" in args.only:
        log("offline preview benchmark")
        results["preview"] = preview_bench.run(args.previews, log)
    else:
        results["preview_skipped"] = "not requested (--only)"
    results["machine"]["load_after"] = os.getloadavg()[0]
    results["machine"]["uptime_after"] = uptime()
    results["seconds"] = time.monotonic() - began
    found = report.finish(results)
    paths = report.write(results, args.out)
    log("\ntargets")
    for target in found:
        log("  " + target.line())
    log(f"\nwrote {', '.join(map(str, paths.values()))}")
    log(f"took {results['seconds']:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
