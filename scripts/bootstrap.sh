#!/usr/bin/env bash
# Prepares a fresh machine for development, tests and the offline preview:
#   - the dev virtualenv .venv with requirements-dev.txt (the Pulumi program's, the pack's and
#     the tools'), reinstalled only when a requirements file changed;
#   - nothing else: the Pulumi CLI (scripts/install-pulumi.sh) and the image tools
#     (scripts/build-image.sh) install themselves when a command needs them.
# Idempotent and quiet when there is nothing to do. Logs to stderr.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="$repo/.venv"
python="${PYTHON:-python3}"

log() { printf '[bootstrap] %s\n' "$*" >&2; }

if ! command -v "$python" >/dev/null 2>&1; then
  log "error: $python not found; install Python 3.11+ (e.g. apt-get install python3 python3-venv)"
  exit 1
fi
if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
  log "error: Python 3.11+ is required, $("$python" --version 2>&1) found at $(command -v "$python")"
  exit 1
fi

if [ ! -x "$venv/bin/python" ]; then
  log "creating $venv"
  "$python" -m venv "$venv"
fi

# Reinstall only when a requirements file changed since the last successful install.
stamp="$venv/.requirements.sha256"
wanted="$(cat "$repo"/requirements*.txt "$repo"/policy/requirements.txt "$repo"/service/requirements.txt "$repo"/facts/pyproject.toml | sha256sum | cut -d' ' -f1)"
if [ "$(cat "$stamp" 2>/dev/null)" != "$wanted" ]; then
  log "installing requirements-dev.txt into $venv"
  "$venv/bin/python" -m pip install --quiet --upgrade pip >&2
  (cd "$repo" && "$venv/bin/python" -m pip install --quiet -r requirements-dev.txt >&2)
  echo "$wanted" >"$stamp"
fi
log "dev environment ready: $venv"
