#!/usr/bin/env bash
# Make the Pulumi CLI and its Python language host available, and say where they are.
#
# Usage:
#   export PATH="$(scripts/install-pulumi.sh):$PATH"
#   scripts/install-pulumi.sh [--print-bin-dir]     (the flag changes nothing: it names what stdout is)
#   scripts/install-pulumi.sh --help
#
# Interface:
#   stdout  exactly one line: the directory holding `pulumi` and `pulumi-language-python`
#           (put it first on PATH). Nothing else is ever written to stdout.
#   stderr  progress and errors.
#   exit    0 ready; 1 the build failed (the log's path is on stderr); 2 Go is missing or too old;
#           64 bad usage.
#   Needs bash and coreutils; a build needs Go >= the go line of scripts/pulumi-build/go.mod (1.25.11).
#
# What it does:
#   1. A normal installation wins: if `pulumi` is on PATH, at least $PULUMI_MIN_VERSION (the first
#      with `pulumi policy analyze --file`), and `pulumi-language-python` is next to it or on PATH,
#      its directory is printed and nothing is built.
#   2. Otherwise the pinned CLI ($PULUMI_VERSION) is built from Go modules, together with this
#      project's Python language host (scripts/pulumi-build/pulumi-language-python: Pulumi's own
#      host is a Go module the module proxy does not serve), into a cache outside the repository:
#        ${PULUMI_BUILD_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/fargate-platform}/pulumi-<version>/bin
#      A later run reuses it when the binaries are there, `pulumi version` prints the pinned version
#      and scripts/pulumi-build/ is unchanged since the build. A cold build takes minutes.
#
# Environment:
#   PULUMI_FORCE_BUILD=1     build (or reuse the cached build) even if pulumi is on PATH
#   PULUMI_BUILD_CACHE=DIR   cache root (default above)
#   PULUMI_BUILD_GOSUMDB     GOSUMDB for the build (default off: the checksum database is not
#                            reachable everywhere; scripts/pulumi-build/go.sum pins every hash and
#                            the build is -mod=readonly, so nothing unpinned is fetched)
#
# Changing the pin: set PULUMI_VERSION below and both versions in scripts/pulumi-build/go.mod,
# then `cd scripts/pulumi-build && GOSUMDB=off go mod tidy` (the Go module proxy must serve the
# pkg/v3 and sdk/v3 zips of that version: here v3.260.0's pkg zip is refused).
#
# The Python SDK in requirements.txt / policy/requirements.txt (PyPI `pulumi`) may be newer than the
# CLI; keep it within a few minor releases of $PULUMI_VERSION.
set -euo pipefail

# The whole script is one brace group, which bash reads completely before running it: editing or
# checking out this file during a long build cannot change what the running build does.
{

PULUMI_VERSION=3.259.0
PULUMI_MIN_VERSION=3.229.0

repo_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build_src="$repo_dir/scripts/pulumi-build"

log() { printf 'install-pulumi: %s\n' "$*" >&2; }
die() {
	local code="$1"
	shift
	log "error: $*"
	exit "$code"
}

usage() {
	sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed -e '$d' -e 's/^# \{0,1\}//' >&2
}

for arg in "$@"; do
	case "$arg" in
		--print-bin-dir) ;;
		-h | --help)
			usage
			exit 0
			;;
		*)
			usage
			die 64 "unknown argument: $arg"
			;;
	esac
done

# version_ge A B: is version A >= version B (dotted numbers, a leading v and any -suffix ignored)?
version_ge() {
	local a="${1#v}" b="${2#v}"
	a="${a%%[-+]*}"
	b="${b%%[-+]*}"
	[ "$(printf '%s\n%s\n' "$a" "$b" | sort -t. -k1,1n -k2,2n -k3,3n | head -n1)" = "$b" ]
}

# pulumi_version BIN: what `BIN version` prints (e.g. v3.259.0), or nothing.
pulumi_version() {
	PULUMI_SKIP_UPDATE_CHECK=true "$1" version 2>/dev/null | tr -d '[:space:]' || true
}

# --- 1. a normal installation --------------------------------------------------------------------
if [ "${PULUMI_FORCE_BUILD:-0}" != 1 ] && existing="$(command -v pulumi 2>/dev/null)"; then
	# A symlinked pulumi (e.g. /usr/local/bin/pulumi) counts where it really is, next to its plugins.
	existing="$(readlink -f "$existing" 2>/dev/null || printf '%s' "$existing")"
	existing_dir="$(cd "$(dirname "$existing")" && pwd)"
	existing_version="$(pulumi_version "$existing")"
	if [ -x "$existing_dir/pulumi-language-python" ]; then
		host="$existing_dir/pulumi-language-python"
	else
		host="$(command -v pulumi-language-python 2>/dev/null || true)"
	fi
	if [ -z "$existing_version" ]; then
		log "$existing does not report a version; building the pinned CLI instead"
	elif ! version_ge "$existing_version" "$PULUMI_MIN_VERSION"; then
		log "$existing is $existing_version, older than $PULUMI_MIN_VERSION; building v$PULUMI_VERSION instead"
	elif [ -z "$host" ]; then
		log "$existing ($existing_version) has no pulumi-language-python next to it or on PATH;" \
			"building v$PULUMI_VERSION instead"
	else
		log "using $existing ($existing_version) with $host"
		printf '%s\n' "$existing_dir"
		exit 0
	fi
fi

# --- 2. the pinned build in the cache ------------------------------------------------------------
cache_root="${PULUMI_BUILD_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/fargate-platform}"
prefix="$cache_root/pulumi-$PULUMI_VERSION"
bin_dir="$prefix/bin"
stamp_file="$prefix/build.stamp"
build_log="$prefix/build.log"

[ -f "$build_src/go.mod" ] || die 1 "missing $build_src/go.mod"

# The build's inputs: the pinned version and every file of scripts/pulumi-build/.
source_stamp() {
	{
		printf 'version %s\n' "$PULUMI_VERSION"
		(cd "$build_src" && find . -type f ! -name '*~' -print0 | LC_ALL=C sort -z | xargs -0 sha256sum)
	} | sha256sum | cut -d' ' -f1
}

# cached_ok: is $bin_dir a finished build of these inputs?
cached_ok() {
	local f
	for f in pulumi pulumi-language-python pulumi-language-python-exec; do
		[ -x "$bin_dir/$f" ] || return 1
	done
	[ "$(cat "$stamp_file" 2>/dev/null)" = "$(source_stamp)" ] || return 1
	[ "$(pulumi_version "$bin_dir/pulumi")" = "v$PULUMI_VERSION" ]
}

if cached_ok; then
	log "using the cached build v$PULUMI_VERSION in $bin_dir"
	printf '%s\n' "$bin_dir"
	exit 0
fi

need_go="$(sed -n 's/^go \([0-9.]*\).*/\1/p' "$build_src/go.mod" | head -n1)" # e.g. 1.25.11
go_hint="install Go >= $need_go (https://go.dev/dl/; Debian 12's 'golang' package is 1.19, too old),"
go_hint+=" or install Pulumi normally (https://www.pulumi.com/docs/iac/download-install/) so that"
go_hint+=" pulumi and pulumi-language-python are on PATH"
command -v go >/dev/null 2>&1 || die 2 "go not found: building the Pulumi CLI needs Go. Either $go_hint."
go_version="$(go env GOVERSION 2>/dev/null || true)" # e.g. go1.26.8
# No GOTOOLCHAIN switch to a newer Go: a toolchain download must be checked against the checksum
# database, which the build turns off (and which is not reachable everywhere).
version_ge "${go_version#go}" "$need_go" ||
	die 2 "found ${go_version:-an unknown Go version}; building the pinned Pulumi needs Go >= $need_go. Either $go_hint."

mkdir -p "$prefix"

# One build at a time per cache (parallel CI jobs, two shells).
if command -v flock >/dev/null 2>&1; then
	exec 9>"$prefix/.lock"
	if ! flock -n 9; then
		log "another build of v$PULUMI_VERSION is running; waiting for it"
		flock 9
	fi
	if cached_ok; then
		log "using the build v$PULUMI_VERSION that just finished in $bin_dir"
		printf '%s\n' "$bin_dir"
		exit 0
	fi
fi

log "building Pulumi CLI v$PULUMI_VERSION and the Python language host with $go_version" \
	"(a few minutes when cold; log: $build_log)"
start=$SECONDS

stamp="$(source_stamp)" # of the sources this build copies
work="$(mktemp -d "$prefix/build.XXXXXX")"
trap 'rm -rf "$work"' EXIT
cp -R "$build_src" "$work/src"
mkdir -p "$work/bin"

build() {
	cd "$work/src"
	export GOFLAGS="-mod=readonly -trimpath -buildvcs=false"
	export GOSUMDB="${PULUMI_BUILD_GOSUMDB:-off}"
	export GOTOOLCHAIN=local
	export CGO_ENABLED=0
	set -x
	go version
	go build -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$PULUMI_VERSION" \
		-o "$work/bin/" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi ./pulumi-language-python
	# The executor script that the language host runs programs with ships in the sdk/v3 module.
	sdk_dir="$(go list -m -f '{{.Dir}}' github.com/pulumi/pulumi/sdk/v3)"
	cp "$sdk_dir/python/cmd/pulumi-language-python-exec" "$work/bin/"
	chmod 0755 "$work/bin/pulumi-language-python-exec"
	set +x
	"$work/bin/pulumi" version
	"$work/bin/pulumi-language-python" -version
}

# Not `if ! build`: errexit is off inside a function run as a condition.
set +e
(
	set -e
	build
) >"$build_log" 2>&1
rc=$?
set -e
if [ "$rc" -ne 0 ]; then
	tail -n 20 "$build_log" >&2 || true
	die 1 "building Pulumi v$PULUMI_VERSION failed after $((SECONDS - start))s; full log: $build_log"
fi

built_version="$(pulumi_version "$work/bin/pulumi")"
[ "$built_version" = "v$PULUMI_VERSION" ] ||
	die 1 "the built pulumi reports '${built_version}', not v$PULUMI_VERSION; log: $build_log"

rm -rf "$bin_dir"
mv "$work/bin" "$bin_dir"
printf '%s\n' "$stamp" >"$stamp_file"
log "built v$PULUMI_VERSION in $((SECONDS - start))s: $bin_dir"
printf '%s\n' "$bin_dir"
exit 0
}
