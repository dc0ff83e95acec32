#!/usr/bin/env bash
# Build the service image from service/Dockerfile, unchanged, with buildah: no Docker daemon and
# no registry needed. The base images come from local storage only (--pull=never); where they
# are missing, scripts/image/stand-ins.sh makes local stand-ins first (see its header for how
# they differ from the real images).
#
# Usage:
#   scripts/build-image.sh [--tag NAME] [--context DIR] [--refresh-stand-ins] [--no-cache]
#   scripts/build-image.sh --help
#
#   --context DIR         build DIR/Dockerfile with DIR as context (default service/)
#   --tag NAME            image name (default fastapi-fargate-service:local, stored as
#                         localhost/fastapi-fargate-service:local)
#   --refresh-stand-ins   remake the stand-in base images even if cached
#   --no-cache            rebuild every Dockerfile step (the uv download cache mount is kept)
#
# Interface:
#   stdout  exactly one line: the image ID. Build output goes to stderr.
#   exit    0 built; 1 the build or a stand-in failed; 2 the Dockerfile cannot be built here
#           (a base image without a stand-in recipe, or a construct this buildah lacks; the
#           message names the line); 3 buildah/debootstrap missing and not installable; 64 usage.
#
# What the build uses:
#   buildah bud --isolation chroot --pull=never --layers --format docker
#     chroot: no daemon, cgroups or user namespaces needed (podman/runc-style isolation is not
#             available in this sandbox). RUN steps share the host's network, so `uv sync`
#             reaches PyPI directly.
#     docker format: keeps HEALTHCHECK (the OCI image config has no field for it).
#     layers: a warm build reruns only the steps whose inputs changed; the Dockerfile's uv cache
#             mount (/root/.cache/uv) persists between builds in /var/tmp/buildah-cache.
#   buildah 1.28 (Debian 12) rejects relative RUN --mount targets (buildah 1.29 resolves them
#   against WORKDIR, as Docker does): this script stops early with the line to change.
#
# Environment:
#   IMAGE_BUILD_CA_BUNDLE  a PEM bundle the RUN steps must trust for HTTPS (default: $SSL_CERT_FILE
#       when set; set it empty to disable). For machines whose egress is TLS-intercepted by a
#       private CA, as this sandbox's is: uv ships Mozilla's roots and would reject PyPI's
#       certificate. For the RUN steps only, the bundle is mounted over the image's
#       /etc/ssl/certs/ca-certificates.crt and a uv config with system-certs = true at /etc/uv;
#       nothing of either is committed to a layer.
set -euo pipefail

IMAGE_LOG_PREFIX=build-image
# shellcheck source=scripts/image/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/image/common.sh"

SELF="${BASH_SOURCE[0]}"
SERVICE_DIR="$IMAGE_REPO_DIR/service"
DOCKERFILE="$SERVICE_DIR/Dockerfile"
# The first buildah that resolves a relative RUN --mount target against WORKDIR.
RELATIVE_MOUNT_TARGETS_SINCE=1.29.0

usage() {
	sed -n '2,/^set -euo/p' "$SELF" | sed -e '$d' -e 's/^# \{0,1\}//' >&2
}

# version_lt A B: is dotted version A older than B?
version_lt() {
	[ "$1" != "$2" ] && [ "$(printf '%s\n%s\n' "$1" "$2" | sort -V | head -n1)" = "$1" ]
}

# Stop with the offending lines if this buildah cannot resolve a relative mount target.
check_mount_targets() {
	local version offending
	version="$(buildah version | awk '/^Version:/ {print $2}')"
	version_lt "$version" "$RELATIVE_MOUNT_TARGETS_SINCE" || return 0
	offending="$(grep -noE -- '--mount=[^[:space:]]+' "$DOCKERFILE" |
		grep -E '[=,](target|dst|destination)=[^/,]' || true)"
	[ -z "$offending" ] && return 0
	die 2 "buildah $version rejects relative RUN --mount targets (resolved against WORKDIR" \
		"from buildah $RELATIVE_MOUNT_TARGETS_SINCE); make them absolute in $DOCKERFILE, e.g." \
		"target=uv.lock -> target=/app/uv.lock:"$'\n'"$offending"
}

# Sets CA_MOUNT_ARGS (and CA_CONFIG_DIR, removed on exit) when a CA bundle must be trusted.
CA_MOUNT_ARGS=()
CA_CONFIG_DIR=""
prepare_ca_mounts() {
	local bundle="${IMAGE_BUILD_CA_BUNDLE-${SSL_CERT_FILE:-}}"
	[ -n "$bundle" ] || return 0
	[ -f "$bundle" ] || die 64 "IMAGE_BUILD_CA_BUNDLE '$bundle' is not a file (a PEM bundle, or empty to disable)"
	CA_CONFIG_DIR="$(mktemp -d -t build-image-uv.XXXXXX)"
	printf '# Written by scripts/build-image.sh for the RUN steps only.\nsystem-certs = true\n' \
		>"$CA_CONFIG_DIR/uv.toml"
	chmod 0755 "$CA_CONFIG_DIR"
	chmod 0644 "$CA_CONFIG_DIR/uv.toml"
	CA_MOUNT_ARGS=(
		--volume "$bundle:/etc/ssl/certs/ca-certificates.crt:ro"
		--volume "$CA_CONFIG_DIR:/etc/uv:ro"
	)
	log "RUN steps trust $bundle (IMAGE_BUILD_CA_BUNDLE)"
}

# buildah 1.28 leaves a working container behind for a stage that is only a FROM (the
# Dockerfile's `uv` stage, read by COPY --from): remove the ones this build made from a base image.
remove_stage_containers() {
	local before="$1" bases="$2" id image
	while read -r id image; do
		[ -n "$id" ] || continue
		grep -qxF "$id" <<<"$before" && continue
		grep -qxF "$image" <<<"$bases" || continue
		buildah rm "$id" >/dev/null 2>&1 || log "warning: could not remove working container $id"
	done < <(buildah containers --notruncate --format '{{.ContainerID}} {{.ImageName}}')
}

main() {
	local tag=fastapi-fargate-service:local refresh=() no_cache=()
	while [ "$#" -gt 0 ]; do
		case "$1" in
			--tag)
				if [ "$#" -lt 2 ] || [ -z "$2" ]; then
					die 64 "--tag needs a name, e.g. --tag fastapi-fargate-service:dev"
				fi
				tag="$2"
				shift
				;;
			--context)
				if [ "$#" -lt 2 ] || [ ! -f "$2/Dockerfile" ]; then
					die 64 "--context needs a directory holding a Dockerfile, got '${2:-}'"
				fi
				SERVICE_DIR="$(cd "$2" && pwd)"
				DOCKERFILE="$SERVICE_DIR/Dockerfile"
				shift
				;;
			--refresh-stand-ins) refresh=(--refresh) ;;
			--no-cache) no_cache=(--no-cache) ;;
			-h | --help)
				usage
				exit 0
				;;
			*) die 64 "unknown argument '$1' (valid: --tag NAME, --context DIR, --refresh-stand-ins, --no-cache, --help)" ;;
		esac
		shift
	done

	ensure_image_tools
	check_mount_targets
	trap '[ -z "$CA_CONFIG_DIR" ] || rm -rf "$CA_CONFIG_DIR"' EXIT
	prepare_ca_mounts
	local bases
	bases="$("$IMAGE_REPO_DIR/scripts/image/stand-ins.sh" "${refresh[@]}" "$DOCKERFILE")"

	local iidfile before status=0
	iidfile="$(mktemp -t build-image-iid.XXXXXX)"
	before="$(buildah containers --quiet --notruncate)"
	log "buildah bud $SERVICE_DIR -> $tag"
	buildah bud --isolation chroot --pull=never --layers --format docker \
		"${no_cache[@]}" "${CA_MOUNT_ARGS[@]}" --iidfile "$iidfile" \
		--tag "$tag" --file "$DOCKERFILE" "$SERVICE_DIR" >&2 || status=$?
	remove_stage_containers "$before" "$bases"
	if [ "$status" -ne 0 ]; then
		rm -f "$iidfile"
		die 1 "buildah bud failed for $DOCKERFILE (output above)"
	fi
	cat "$iidfile"
	echo
	rm -f "$iidfile"
}

main "$@"
