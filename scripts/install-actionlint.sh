#!/usr/bin/env bash
# Make actionlint (the GitHub Actions workflow checker) available, and say where it is.
#
# Usage:
#   "$(scripts/install-actionlint.sh)/actionlint" .github/workflows/preview.yml
#
# Interface:
#   stdout  exactly one line: the directory holding `actionlint`. Nothing else goes to stdout.
#   stderr  progress and errors.
#   exit    0 ready; 1 the build failed; 2 Go is missing.
#
# What it does: builds the actionlint pinned in scripts/actionlint-build/go.mod from the Go module
# proxy (go.sum pins every hash; -mod=readonly fetches nothing unpinned) into
#   ${ACTIONLINT_BUILD_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/fargate-platform}/actionlint-<version>
# and reuses that build while scripts/actionlint-build/ is unchanged. A cold build takes ~a minute.
#
# Environment:
#   ACTIONLINT_BUILD_GOSUMDB  GOSUMDB for the build (default off: go.sum already pins the hashes
#                             and the checksum database is not reachable everywhere)
set -euo pipefail

repo_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build_src="$repo_dir/scripts/actionlint-build"

log() { printf 'install-actionlint: %s\n' "$*" >&2; }

command -v go >/dev/null 2>&1 || {
	log "error: Go is needed to build actionlint (https://go.dev/dl/, or apt-get install golang)"
	exit 2
}

version="$(awk '$1 == "require" && $2 == "github.com/rhysd/actionlint" { print $3 }' "$build_src/go.mod")"
cache_root="${ACTIONLINT_BUILD_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/fargate-platform}"
bin_dir="$cache_root/actionlint-$version"
stamp="$bin_dir/.source.sha256"
wanted="$(cat "$build_src/go.mod" "$build_src/go.sum" "$build_src/tools.go" | sha256sum | cut -d' ' -f1)"

if [ -x "$bin_dir/actionlint" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$wanted" ]; then
	echo "$bin_dir"
	exit 0
fi

mkdir -p "$bin_dir"
# One build at a time (parallel test runs share the cache); a waiter reuses the finished build.
exec 9>"$cache_root/actionlint.lock"
flock 9
if [ -x "$bin_dir/actionlint" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$wanted" ]; then
	echo "$bin_dir"
	exit 0
fi
log "building actionlint $version into $bin_dir"
if ! (cd "$build_src" && GOSUMDB="${ACTIONLINT_BUILD_GOSUMDB:-off}" GOFLAGS=-mod=readonly \
	GOBIN="$bin_dir" go install github.com/rhysd/actionlint/cmd/actionlint) >&2; then
	log "error: building actionlint $version failed"
	exit 1
fi
echo "$wanted" >"$stamp"
echo "$bin_dir"
