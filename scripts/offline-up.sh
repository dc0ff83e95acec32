#!/usr/bin/env bash
# `pulumi up` of one stack with the policy pack, offline: the same environment as
# scripts/offline-preview.sh (local file backend in .pulumi-state/, AWS stand-ins on PATH, no
# credentials), against the stand-ins' fake account. Usage:
#
#   scripts/offline-up.sh [STACK] [--destroy] [extra pulumi arguments]
#
# STACK (default dev) is one of the project's Pulumi.<stack>.yaml. It runs
#
#   pulumi up --yes --stack STACK --policy-pack policy --policy-pack-config policy/config/STACK.json
#
# which previews, then creates, updates or deletes in the fake account; the state stays in the
# local backend, so a second run shows what changed since the first (nothing, if nothing did).
# With --destroy it runs `pulumi destroy --yes --stack STACK` instead. It prints the engine's
# own output and exits with pulumi's code: a mandatory policy violation, or a resource the
# stand-ins cannot create (they name it), fails it. offline/README.md lists what differs from AWS.
#
# OFFLINE_PROJECT=DIR deploys another project with this repository's policy pack (the tests use
# it for a program whose containers are unknown in preview); default: the repository root.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=scripts/offline-env.sh
source "$repo/scripts/offline-env.sh"

project_dir="$(cd "${OFFLINE_PROJECT:-$repo}" && pwd)"
stack="dev"
if [ $# -gt 0 ] && [ "${1#-}" = "$1" ]; then
  stack="$1"
  shift
fi
destroy=false
extra=()
for arg in "$@"; do
  if [ "$arg" = "--destroy" ]; then destroy=true; else extra+=("$arg"); fi
done

pack_config="$(offline_require_stack "$project_dir" "$stack")"

offline_setup
config_file="$(offline_stack "$project_dir" "$stack")"
cd "$project_dir"
if $destroy; then
  exec pulumi destroy --yes --stack "$stack" --config-file "$config_file" "${extra[@]}"
fi
exec pulumi up --yes --stack "$stack" --config-file "$config_file" \
  --policy-pack "$repo/policy" --policy-pack-config "$pack_config" "${extra[@]}"
