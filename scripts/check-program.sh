#!/usr/bin/env bash
# Check any team's Pulumi (Python) Fargate program with the policy pack, offline, without AWS
# credentials. Usage:
#
#   scripts/check-program.sh [--up] [--pack-config NAME|FILE] PATH [STACK]
#
# PATH is the program's directory (its Pulumi.yaml). STACK is one of its Pulumi.<stack>.yaml;
# default: its only stack file, or an empty stack "check" when it has none. The pack config is
# policy/config/NAME.json (dev, staging, prod; default prod) or a FILE of your own.
#
# It runs `pulumi preview --policy-pack policy --policy-pack-config CONFIG` with this
# repository's Pulumi CLI, offline stand-ins and policy pack (scripts/offline-env.sh), on a
# scratch copy of the program in .pulumi-state/check/<project>/ (the program's directory is
# never written). The program runs in this repository's .venv, or in a scratch virtualenv when
# its requirements.txt needs packages .venv lacks (scripts/check/program_env.py). Pins of other
# pulumi, pulumi-aws or pulumi-awsx versions are checked with this repository's versions, and
# the command says so. The exit code is the preview's: a mandatory violation fails it.
#
# Secret config values (`secure:`, encrypted for the program's own secrets provider) become
# placeholder secrets; the check never needs their values.
#
# --up runs the offline `pulumi up --yes --skip-preview` instead (the fake account of
# scripts/offline-up.sh's stand-ins), on a fresh stack, so that rules whose values are unknown
# in a preview (containerDefinitions built from outputs) run on resolved values; a mandatory
# violation stops the update before that resource is created. The exit code is the up's; what
# it created is destroyed afterwards.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=scripts/offline-env.sh
source "$repo/scripts/offline-env.sh"

usage() {
  sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

mode=preview
pack_config="prod"
positional=()
while [ $# -gt 0 ]; do
  case "$1" in
  --up) mode=up ;;
  --pack-config)
    [ $# -ge 2 ] || usage
    pack_config="$2"
    shift
    ;;
  --pack-config=*) pack_config="${1#*=}" ;;
  -h | --help) usage ;;
  -*)
    offline_log "error: unknown option '$1' (options: --up, --pack-config NAME|FILE)"
    exit 2
    ;;
  *) positional+=("$1") ;;
  esac
  shift
done
[ "${#positional[@]}" -ge 1 ] && [ "${#positional[@]}" -le 2 ] || usage

program="${positional[0]}"
if [ ! -f "$program/Pulumi.yaml" ]; then
  offline_log "error: '$program' is not a Pulumi project directory (no Pulumi.yaml there)"
  exit 2
fi
program="$(cd "$program" && pwd)"

if [ -f "$pack_config" ]; then
  pack_config="$(cd "$(dirname "$pack_config")" && pwd)/$(basename "$pack_config")"
elif [ -f "$repo/policy/config/$pack_config.json" ]; then
  pack_config="$repo/policy/config/$pack_config.json"
else
  known="$(offline_names "$repo/policy/config" "" .json)"
  offline_log "error: pack config '$pack_config' is neither a file nor one of: $known"
  exit 2
fi

stacks="$(offline_names "$program" Pulumi. .yaml)"
if [ "${#positional[@]}" -eq 2 ]; then
  stack="${positional[1]}"
  if [ ! -f "$program/Pulumi.$stack.yaml" ]; then
    offline_log "error: stack '$stack' does not exist in $program; its stacks are: ${stacks:-none} (one Pulumi.<stack>.yaml each)"
    exit 2
  fi
elif [ -z "$stacks" ]; then
  stack=check
elif [[ "$stacks" != *,* ]]; then
  stack="$stacks"
else
  offline_log "error: $program has several stacks ($stacks); name the one to check"
  exit 2
fi

offline_setup
project="$(offline_project_name "$program")"
scratch="$offline_state/check/$project"
program_venv="$("$repo/.venv/bin/python" "$repo/scripts/check/program_env.py" venv "$program" "$offline_state/check")"

# The scratch copy: the program's files (not its virtualenvs, VCS or caches), its Pulumi.yaml
# pointed at the chosen virtualenv, and the stack file (an empty one for "check").
rm -rf "$scratch"
mkdir -p "$scratch"
tar -C "$program" --exclude=./venv --exclude=./.venv --exclude=./.git --exclude=./node_modules \
  --exclude=__pycache__ --exclude=./.pulumi-state -cf - . | tar -C "$scratch" -xf -
"$repo/.venv/bin/python" "$repo/scripts/check/program_env.py" project \
  "$program/Pulumi.yaml" "$scratch/Pulumi.yaml" "$program_venv"
[ -f "$scratch/Pulumi.$stack.yaml" ] || printf 'config: {}\n' >"$scratch/Pulumi.$stack.yaml"

if [ "$mode" = up ]; then
  # A first deploy every time: the stack is recreated empty in the local backend.
  rm -rf "$offline_state/init/$project"
fi
config_file="$(offline_stack "$scratch" "$stack")"
# Secret config is encrypted for the team's secrets provider: each becomes a placeholder secret.
while IFS= read -r key; do
  [ -n "$key" ] || continue
  offline_log "secret config $key: a placeholder secret offline (its value is encrypted for the program's own secrets provider)"
  (cd "$scratch" && pulumi config set --secret --stack "$stack" --config-file "$config_file" \
    "$key" "offline-placeholder-secret" >/dev/null)
done < <("$repo/.venv/bin/python" "$repo/scripts/check/program_env.py" secrets "$config_file")
offline_log "checking $program (stack $stack) with the pack config $pack_config; python: $program_venv"
cd "$scratch"
if [ "$mode" = up ]; then
  set +e
  pulumi up --yes --skip-preview --stack "$stack" --config-file "$config_file" \
    --policy-pack "$repo/policy" --policy-pack-config "$pack_config" --color never
  rc=$?
  set -e
  # A check leaves nothing deployed: what the up created in the fake account goes again.
  offline_log "destroying what the check created in the fake account"
  pulumi destroy --yes --skip-preview --stack "$stack" --config-file "$config_file" \
    --color never >/dev/null || offline_log "warning: the destroy failed; the next --up starts afresh anyway"
  exit "$rc"
fi
exec pulumi preview --stack "$stack" --config-file "$config_file" \
  --policy-pack "$repo/policy" --policy-pack-config "$pack_config" --color never
