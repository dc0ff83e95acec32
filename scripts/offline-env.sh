# shellcheck shell=bash
# Sourced by scripts/offline-preview.sh and scripts/offline-pulumi.sh (not run on its own):
# the offline environment in which the real Pulumi CLI runs this project without AWS.
#
#   offline_setup            dev virtualenv (scripts/bootstrap.sh), the Pulumi CLI
#                            (scripts/install-pulumi.sh), then the environment below
#   offline_stack DIR STACK  the stack STACK of the project in DIR, created in the local backend
#                            if missing; prints the config file to pass as --config-file
#   offline_require_stack DIR STACK  exits 2 naming the stacks (or pack configs) that exist if
#                            DIR has no Pulumi.STACK.yaml or the pack no config for STACK; prints
#                            the pack config's path
#
# Environment (all exported by offline_setup):
#   PATH                    offline/bin first: the engine takes pulumi-resource-<name> from PATH
#                           before its plugin cache, so the aws, awsx, docker and docker-build
#                           stand-ins answer instead of the real plugins (offline/README.md)
#   PULUMI_BACKEND_URL      file://<repo>/.pulumi-state/backend: a local backend, ignored by git
#                           (OFFLINE_STATE=DIR: DIR instead of <repo>/.pulumi-state, here and below)
#   PULUMI_HOME             <repo>/.pulumi-state/home: the CLI's workspace files stay in the
#                           project, ~/.pulumi is not touched
#   PULUMI_CONFIG_PASSPHRASE  OFFLINE_PASSPHRASE below. NOT A SECRET: it only satisfies the
#                           passphrase secrets provider of the local stacks, whose only secrets
#                           are the stand-ins' fake ECR tokens
#   PULUMI_SKIP_UPDATE_CHECK, PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION
#                           no network calls for CLI updates or plugin downloads
#   AWS_* credentials, PULUMI_ACCESS_TOKEN, PULUMI_IGNORE_AMBIENT_PLUGINS  unset
#
# Stack files stay untouched: `pulumi stack init` would write an `encryptionsalt` into
# Pulumi.<stack>.yaml, so stacks are created from a scratch copy of Pulumi.yaml in
# .pulumi-state/init/<project>/, and previews read a copy of Pulumi.<stack>.yaml plus that salt
# from .pulumi-state/config/<project>/ (pulumi --config-file). Edit the tracked stack file; the
# copy is rewritten from it on every run.

OFFLINE_PASSPHRASE="offline-preview-not-a-secret"
offline_repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# OFFLINE_STATE=DIR keeps the backend, PULUMI_HOME and stack configs somewhere else (the tests'
# deployments use a scratch directory, so they never meet the previews' stacks).
offline_state="${OFFLINE_STATE:-$offline_repo/.pulumi-state}"

offline_log() { printf '[offline] %s\n' "$*" >&2; }

offline_setup() {
  bash "$offline_repo/scripts/bootstrap.sh"
  if [ ! -f "$offline_repo/scripts/install-pulumi.sh" ]; then
    offline_log "error: scripts/install-pulumi.sh is missing; it installs the Pulumi CLI"
    return 1
  fi
  local installed bin_dir
  # install-pulumi.sh prints the directory holding `pulumi` as its last line of stdout.
  installed="$(bash "$offline_repo/scripts/install-pulumi.sh")" || {
    offline_log "error: scripts/install-pulumi.sh failed (its messages above say what to install)"
    return 1
  }
  bin_dir="${installed##*$'\n'}"
  if [ ! -x "$bin_dir/pulumi" ]; then
    offline_log "error: scripts/install-pulumi.sh printed '$bin_dir', which holds no pulumi executable"
    return 1
  fi
  mkdir -p "$offline_state/backend" "$offline_state/home"
  export PATH="$offline_repo/offline/bin:$bin_dir:$PATH"
  export PULUMI_BACKEND_URL="file://$offline_state/backend"
  export PULUMI_HOME="$offline_state/home"
  export PULUMI_CONFIG_PASSPHRASE="$OFFLINE_PASSPHRASE"
  export PULUMI_SKIP_UPDATE_CHECK=true
  export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true
  unset PULUMI_CONFIG_PASSPHRASE_FILE PULUMI_ACCESS_TOKEN PULUMI_IGNORE_AMBIENT_PLUGINS
  unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN AWS_PROFILE
  offline_policy_venv
}

# The policy pack runs in its own virtualenv (policy/venv, PulumiPolicy.yaml): `pulumi install` in
# policy/ makes it from policy/requirements.txt, again whenever that file or facts/ changes.
offline_policy_venv() {
  local policy="$offline_repo/policy" stamp wanted
  stamp="$policy/venv/.offline-requirements.sha256"
  wanted="$(cat "$policy/requirements.txt" "$offline_repo/facts/pyproject.toml" | sha256sum | cut -d' ' -f1)"
  if [ -x "$policy/venv/bin/python" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$wanted" ]; then
    return 0
  fi
  offline_log "installing the policy pack's dependencies into policy/venv (pulumi install)"
  (cd "$policy" && pulumi install >&2)
  echo "$wanted" >"$stamp"
}

# The project's name, from the `name:` line of DIR/Pulumi.yaml.
offline_project_name() {
  sed -n 's/^name:[[:space:]]*\([^[:space:]#]*\).*/\1/p' "$1/Pulumi.yaml" | head -n 1
}

# The X of the files DIR/PREFIX<X>SUFFIX, sorted and comma-separated ("dev, prod, staging"):
# a project's stacks (Pulumi.<stack>.yaml), the pack's configs (<stack>.json).
offline_names() {
  local dir="$1" prefix="$2" suffix="$3" file names=()
  for file in "$dir/$prefix"*"$suffix"; do
    [ -e "$file" ] || continue
    file="${file##*/"$prefix"}"
    names+=("${file%"$suffix"}")
  done
  local IFS=,
  printf '%s\n' "${names[*]}" | sed 's/,/, /g'
}

offline_stack() {
  local project_dir="$1" stack="$2" project init_dir config_dir salt
  project="$(offline_project_name "$project_dir")"
  if [ -z "$project" ]; then
    offline_log "error: $project_dir/Pulumi.yaml has no 'name:' line"
    return 1
  fi
  init_dir="$offline_state/init/$project"
  config_dir="$offline_state/config/$project"
  mkdir -p "$init_dir" "$config_dir"
  if ! grep -q '^encryptionsalt:' "$init_dir/Pulumi.$stack.yaml" 2>/dev/null; then
    offline_log "creating stack $stack of $project in $PULUMI_BACKEND_URL"
    cp "$project_dir/Pulumi.yaml" "$init_dir/Pulumi.yaml"
    rm -f "$init_dir/Pulumi.$stack.yaml"
    # A stack left in the backend without its salt (init/ was deleted) is recreated.
    (cd "$init_dir" && pulumi stack rm "$stack" --yes --force >/dev/null 2>&1) || true
    (cd "$init_dir" && pulumi stack init "$stack" --no-select --non-interactive >&2)
  fi
  salt="$(grep '^encryptionsalt:' "$init_dir/Pulumi.$stack.yaml")"
  # The tracked file without any secrets-provider lines of its own, plus the offline salt.
  grep -v -E '^(encryptionsalt|encryptedkey|secretsprovider):' "$project_dir/Pulumi.$stack.yaml" \
    >"$config_dir/Pulumi.$stack.yaml" || true
  printf '%s\n' "$salt" >>"$config_dir/Pulumi.$stack.yaml"
  printf '%s\n' "$config_dir/Pulumi.$stack.yaml"
}

offline_require_stack() {
  local project_dir="$1" stack="$2" known pack_config
  if [ ! -f "$project_dir/Pulumi.$stack.yaml" ]; then
    known="$(offline_names "$project_dir" Pulumi. .yaml)"
    offline_log "error: stack '$stack' does not exist in $project_dir; its stacks are: ${known:-none} (one Pulumi.<stack>.yaml each)"
    exit 2
  fi
  pack_config="$offline_repo/policy/config/$stack.json"
  if [ ! -f "$pack_config" ]; then
    known="$(offline_names "$offline_repo/policy/config" "" .json)"
    offline_log "error: no policy pack config for stack '$stack' ($pack_config); configs exist for: $known"
    exit 2
  fi
  printf '%s\n' "$pack_config"
}
