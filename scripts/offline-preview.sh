#!/usr/bin/env bash
# The main job: `pulumi preview` of one stack with the policy pack, on the real Pulumi engine,
# offline. Usage:
#
#   scripts/offline-preview.sh [STACK] [extra pulumi preview arguments]
#
# STACK (default dev) is one of the project's Pulumi.<stack>.yaml. On a fresh machine it sets up
# the dev virtualenv and the Pulumi CLI, creates the stack in a local file backend
# (.pulumi-state/, ignored by git) and runs
#
#   pulumi preview --stack STACK --policy-pack policy --policy-pack-config policy/config/STACK.json
#
# with the offline stand-ins for the AWS plugins (offline/README.md; environment in
# scripts/offline-env.sh). It prints the engine's own plan and policy report and exits with
# pulumi's code: a mandatory policy violation makes it non-zero.
#
# OFFLINE_PROJECT=DIR previews another project with this repository's policy pack (the tests
# use it for a deliberately bad program); default: the repository root.
# OFFLINE_NO_POLICY_PACK=1 previews without the policy pack: everything else the same (the
# benchmark's baseline for what the pack adds to a preview).
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=scripts/offline-env.sh
source "$repo/scripts/offline-env.sh"

project_dir="$(cd "${OFFLINE_PROJECT:-$repo}" && pwd)"
stack="${1:-dev}"
[ $# -gt 0 ] && shift

pack_config="$(offline_require_stack "$project_dir" "$stack")"

offline_setup
config_file="$(offline_stack "$project_dir" "$stack")"
cd "$project_dir"
pack_args=(--policy-pack "$repo/policy" --policy-pack-config "$pack_config")
if [ "${OFFLINE_NO_POLICY_PACK:-}" = 1 ]; then
  pack_args=()
fi
exec pulumi preview --stack "$stack" --config-file "$config_file" "${pack_args[@]}" "$@"
