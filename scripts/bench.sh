#!/usr/bin/env bash
# The project's benchmarks, side by side in one run (bench/README.md):
#   - the service as its Dockerfile starts it, against the gunicorn image it replaces and a
#     raw-ASGI bound: memory, start time, req/s and p99 on liveness and /math/add, errors;
#   - the policy pack on synthetic stacks of 100, 1,000 and 10,000 resources, in-process and
#     through `pulumi policy analyze --file`;
#   - the offline preview of the dev stack, warm.
# Prints every target with PASS/FAIL and writes bench/results/results.{json,md,png}.
# A FAIL is a finding, not an error: the exit code is non-zero only if a run itself fails.
# Takes about ten minutes. Extra arguments go to `python -m bench`, e.g.
#   scripts/bench.sh --only service --rounds 1      scripts/bench.sh --help
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"

bash scripts/bootstrap.sh
if ! command -v wrk >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "[bench] installing wrk (apt-get install -y wrk)" >&2
    apt-get install -y -qq wrk >&2
  else
    echo "[bench] error: wrk is not installed; install it (Debian/Ubuntu: sudo apt-get install wrk)" >&2
    exit 1
  fi
fi
# bench imports the pack's rules (policy/) and the test helpers it reuses (tests/) from here.
export PYTHONPATH="$repo:$repo/policy${PYTHONPATH:+:$PYTHONPATH}"
exec .venv/bin/python -m bench "$@"
