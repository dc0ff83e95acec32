# Shared by scripts/build-image.sh and scripts/image/*.sh (sourced, not run).
# Callers set IMAGE_LOG_PREFIX before sourcing; every message goes to stderr.

# shellcheck shell=bash
IMAGE_REPO_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
export IMAGE_REPO_DIR

# Debian packages the image tools need: buildah (with crun, fuse-overlayfs and the containers
# config it depends on), debootstrap for the Python stand-in, iproute2 for the tests' private
# network namespace.
IMAGE_APT_PACKAGES=(buildah debootstrap iproute2)

log() { printf '%s: %s\n' "${IMAGE_LOG_PREFIX:-image}" "$*" >&2; }

# die EXIT_CODE MESSAGE...
die() {
	local code="$1"
	shift
	log "error: $*"
	exit "$code"
}

# Install IMAGE_APT_PACKAGES from Debian when one is missing: only as root on an apt system,
# which is what CI and the project's machines are. Exit 3 names what is missing otherwise.
ensure_image_tools() {
	local missing=()
	command -v buildah >/dev/null 2>&1 || missing+=(buildah)
	command -v debootstrap >/dev/null 2>&1 || missing+=(debootstrap)
	command -v ip >/dev/null 2>&1 || missing+=(iproute2)
	[ "${#missing[@]}" -eq 0 ] && return 0
	if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
		die 3 "missing ${missing[*]}; install them as root: apt-get install ${IMAGE_APT_PACKAGES[*]}"
	fi
	log "installing ${IMAGE_APT_PACKAGES[*]} from Debian (missing: ${missing[*]})"
	local apt_log
	apt_log="$(mktemp -t image-apt.XXXXXX.log)"
	if ! { apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y \
		"${IMAGE_APT_PACKAGES[@]}"; } >"$apt_log" 2>&1; then
		tail -n 20 "$apt_log" >&2
		die 3 "apt-get install ${IMAGE_APT_PACKAGES[*]} failed (log: $apt_log)"
	fi
	rm -f "$apt_log"
}

# The fully qualified form of an image reference, as buildah stores it:
#   python:3.11-slim -> docker.io/library/python:3.11-slim, ghcr.io/x/y -> ghcr.io/x/y:latest
qualified_reference() {
	local ref="$1" first
	first="${ref%%/*}"
	if [ "$first" = "$ref" ]; then
		ref="docker.io/library/$ref"
	elif [[ "$first" != *.* && "$first" != *:* && "$first" != localhost ]]; then
		ref="docker.io/$ref"
	fi
	local last="${ref##*/}"
	[[ "$last" == *:* || "$last" == *@* ]] || ref="$ref:latest"
	printf '%s\n' "$ref"
}
