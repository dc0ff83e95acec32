#!/usr/bin/env bash
# Any Pulumi command in the offline environment of scripts/offline-preview.sh (local backend,
# AWS stand-ins on PATH, no credentials), from the repository root. Examples:
#
#   scripts/offline-pulumi.sh stack ls
#   scripts/offline-pulumi.sh policy analyze --file tests/offline/fixtures/violating-state.json \
#       --policy-pack policy --policy-pack-config policy/config/dev.json
#
# For a preview, use scripts/offline-preview.sh; for up and destroy, scripts/offline-up.sh (both
# also create the stack and its config copy). Other commands that read a stack's config
# (config, refresh) need
# `--config-file .pulumi-state/config/<project>/Pulumi.<stack>.yaml` (made by offline-preview.sh):
# without it the CLI writes an offline `encryptionsalt` into the tracked Pulumi.<stack>.yaml.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=scripts/offline-env.sh
source "$repo/scripts/offline-env.sh"
offline_setup
cd "$repo"
exec pulumi "$@"
