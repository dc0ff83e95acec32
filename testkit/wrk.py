"""wrk, the HTTP load generator: one run on a URL and what it reports; and one measurement of
a service process started by testkit.uvicorn_process (idle RSS, start to healthy, req/s).

    python -m testkit.wrk [--bin-dir VENV/bin --workdir DIR]
        # one measurement run: idle RSS, start-to-healthy, req/s (needs wrk: apt-get install wrk)
"""

from __future__ import annotations

import re
import shutil
import subprocess
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from testkit.uvicorn_process import LIVENESS_URL_PATH, SERVICE_DIR, run_service


@dataclass(frozen=True)
class WrkRun:
    """What one wrk run reports."""

    requests: int
    requests_per_second: float
    p99_latency_ms: float
    non_2xx_3xx: int  # wrk's "Non-2xx or 3xx responses"
    socket_errors: int  # connect + read + write + timeout
    output: str

    @property
    def errors(self) -> int:
        return self.non_2xx_3xx + self.socket_errors


_LATENCY_UNITS_MS = {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 60e3}


def run_wrk(url: str, seconds: int = 10, connections: int = 32, threads: int = 1) -> WrkRun:
    """One wrk run (with --latency) on url; errors are counted, not raised."""
    wrk = shutil.which("wrk")
    if wrk is None:
        raise FileNotFoundError("wrk is not installed (Debian: apt-get install wrk)")
    argv = [wrk, f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency", url]
    out = subprocess.run(argv, capture_output=True, text=True, check=True).stdout

    def number(pattern: str) -> str:
        match = re.search(pattern, out)
        if match is None:
            raise RuntimeError(f"wrk output has no match for {pattern!r}:\n{out}")
        return match.group(1)

    p99 = re.search(r"^\s*99%\s+([\d.]+)(us|ms|s|m)\s*$", out, re.MULTILINE)
    if p99 is None:
        raise RuntimeError(f"no 99% latency in wrk output:\n{out}")
    sockets = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out
    )
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return WrkRun(
        requests=int(number(r"(\d+) requests in")),
        requests_per_second=float(number(r"Requests/sec:\s+([\d.]+)")),
        p99_latency_ms=float(p99.group(1)) * _LATENCY_UNITS_MS[p99.group(2)],
        non_2xx_3xx=int(non_2xx.group(1)) if non_2xx else 0,
        socket_errors=sum(int(count) for count in sockets.groups()) if sockets else 0,
        output=out,
    )


def wrk_requests_per_second(
    url: str, seconds: int = 10, connections: int = 32, threads: int = 1
) -> float:
    """One wrk run; returns Requests/sec. Fails on socket errors or non-2xx responses."""
    run = run_wrk(url, seconds, connections, threads)
    if run.errors:
        raise RuntimeError(f"wrk saw errors:\n{run.output}")
    return run.requests_per_second


def measure(
    paths: Sequence[str] = (LIVENESS_URL_PATH, "/math/add?i=5&i=10"),
    wrk_seconds: int = 10,
    **launch: Any,
) -> dict[str, float]:
    """Idle RSS, start-to-healthy time and req/s per path, from one run of one process.

    launch goes to run_service (e.g. bin_dir and workdir for an image-like venv and app copy).
    """
    with run_service(**launch) as service:
        time.sleep(1.0)  # let startup allocations settle before reading idle RSS
        results = {
            "idle_rss_mib": service.rss_bytes() / 2**20,
            "seconds_to_healthy": service.seconds_to_healthy,
        }
        for path in paths:
            url = service.base_url + path
            results[f"req_per_s {path}"] = wrk_requests_per_second(url, wrk_seconds)
        return results


def main(argv: Sequence[str] | None = None) -> None:
    import argparse  # noqa: PLC0415 (only the command line needs it)

    parser = argparse.ArgumentParser(description="Measure one service process like the image's.")
    parser.add_argument("--bin-dir", type=Path, help="virtualenv bin (default: this one's)")
    parser.add_argument("--workdir", type=Path, default=SERVICE_DIR, help="folder holding app/")
    parser.add_argument("--wrk-seconds", type=int, default=10)
    args = parser.parse_args(argv)
    results = measure(wrk_seconds=args.wrk_seconds, bin_dir=args.bin_dir, workdir=args.workdir)
    for key, value in results.items():
        print(f"{key}: {value:.2f}")


if __name__ == "__main__":
    main()
