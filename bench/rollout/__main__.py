"""`python -m bench.rollout --image ID [STACK]`: the rehearsal (scripts/rollout-rehearsal.sh builds
the image and installs HAProxy first). Writes rollout.json, rollout.png and the rollout section
of results.md to --out.

Exit status: 0 when no request of the rehearsal failed and the negative control lost some;
1 when either claim fails (a finding: the output says which); 2 when the rehearsal could not
run; 64 on a usage error.
"""

from __future__ import annotations

import argparse
import signal
import sys
from pathlib import Path
from typing import NoReturn

from bench.rollout import report
from bench.rollout.balancer import BalancerError
from bench.rollout.load import DEFAULT_SHAPE, LoadShape
from bench.rollout.rehearsal import Options, RehearsalError, run
from bench.rollout.stack import StackPlanError
from bench.rollout.tasks import TaskError
from testkit.uvicorn_process import REPO

DEFAULT_OUT = REPO / "bench" / "results"
DEFAULTS = DEFAULT_SHAPE
EXIT_USAGE = 64


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


def parse(argv: list[str]) -> argparse.Namespace:
    parser = _Parser(prog="python -m bench.rollout", description=__doc__)
    parser.add_argument("stack", nargs="?", default="prod", help="Pulumi stack (default prod)")
    parser.add_argument("--image", required=True, help="image ID or name (build-image.sh)")
    parser.add_argument("--replacements", type=int, default=3, help="default 3")
    parser.add_argument("--rate", type=float, default=DEFAULTS.rate, help="paced req/s")
    parser.add_argument("--paced-clients", type=int, default=DEFAULTS.paced_clients)
    parser.add_argument("--slow-clients", type=int, default=DEFAULTS.slow_clients)
    parser.add_argument("--slow-seconds", type=float, default=DEFAULTS.slow_seconds)
    parser.add_argument(
        "--steady-seconds",
        type=float,
        default=Options.steady_seconds,
        help="load alone before, between and after the replacements (default 5)",
    )
    parser.add_argument(
        "--negative-window",
        type=float,
        default=None,
        help="seconds after the control's SIGTERM before its task is deregistered anyway"
        " (default: when its health check fails, as a target group does)",
    )
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="results directory")
    parser.add_argument("--logs", type=Path, default=None, help="keep task and HAProxy logs here")
    args = parser.parse_args(argv)
    if args.replacements < 1:
        parser.error(f"--replacements {args.replacements}: at least 1")
    if args.rate <= 0 or args.paced_clients < 1 or args.slow_clients < 1:
        parser.error("--rate, --paced-clients and --slow-clients must be positive")
    if args.steady_seconds < 0:
        parser.error(f"--steady-seconds {args.steady_seconds}: at least 0")
    return args


def main(argv: list[str]) -> int:
    args = parse(argv)
    # A stop request (SIGTERM, e.g. from a timeout) unwinds like Ctrl-C, so the tasks, HAProxy
    # and the network namespaces are removed on the way out.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(128 + signal.SIGTERM))
    options = Options(
        stack=args.stack,
        image=args.image,
        replacements=args.replacements,
        shape=LoadShape(
            args.rate,
            args.paced_clients,
            args.slow_clients,
            args.slow_seconds,
            DEFAULTS.timeout,
        ),
        steady_seconds=args.steady_seconds,
        negative_window=args.negative_window,
    )
    try:
        results = run(options, log_dir=args.logs)
    except (StackPlanError, RehearsalError, BalancerError, TaskError) as error:
        print(f"rollout rehearsal: error: {error}", file=sys.stderr)
        return 2
    paths = report.write(results, args.out)
    negative = results["negative_control"]
    print(
        f"stack {results['stack']}: {results['replacements']} replacements,"
        f" {results['requests']:,} requests, {results['failed']} failed;"
        f" negative control {negative['failed']:,} of {negative['requests']:,} failed"
    )
    for path in paths.values():
        print(f"  wrote {path}")
    findings = []
    if results["failed"]:
        findings.append(f"{results['failed']} requests failed: {results['failures_by_outcome']}")
    if not negative["failed"]:
        findings.append("the negative control lost no request: the rehearsal cannot see a loss")
    for finding in findings:
        print(f"FINDING: {finding}", file=sys.stderr)
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
