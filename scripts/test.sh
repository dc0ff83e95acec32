#!/usr/bin/env bash
# The project's test command (README, CI): sets up the dev environment, lints, runs every test.
# Extra arguments go to pytest, e.g. `scripts/test.sh tests/policy -x`.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"

bash scripts/bootstrap.sh
.venv/bin/ruff check .
.venv/bin/ruff format --check .
exec .venv/bin/pytest "$@"
