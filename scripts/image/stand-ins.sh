#!/usr/bin/env bash
# Local stand-ins for the base images a Dockerfile names, made once and kept in buildah's local
# storage, so `buildah bud --pull=never` builds the Dockerfile unchanged on a machine that cannot
# reach a container registry (this one, CI).
#
# Usage:
#   scripts/image/stand-ins.sh [--refresh] [DOCKERFILE]      (default: service/Dockerfile)
#   scripts/image/stand-ins.sh --help
#
# Interface:
#   stdout  one line per base image the Dockerfile names: the fully qualified reference.
#   stderr  progress and errors.
#   exit    0 every base image is in local storage; 1 making a stand-in failed (nothing is left
#           half-made: its working container is removed); 2 the Dockerfile names a base image
#           this script cannot stand in for; 3 buildah/debootstrap missing and not installable;
#           64 bad usage.
#
# Cache: each stand-in carries the labels local.stand-in.for (the reference) and
# local.stand-in.recipe (a hash of this script and the reference). A stand-in whose recipe hash
# matches is reused (seconds); a changed script or --refresh rebuilds it. An image of that name
# without the label is a real image someone loaded (e.g. `buildah pull` where a registry is
# reachable) and is used as it is, never replaced.
#
# Recipes (a Dockerfile naming anything else stops with exit 2 and the list below):
#   python:3.11[.N]-slim-bookworm   Debian bookworm (debootstrap --variant=minbase) with Debian's
#                                   python3 3.11, tagged docker.io/library/python:<tag>.
#   ghcr.io/astral-sh/uv:X.Y.Z      /uv and /uvx from PyPI's uv==X.Y.Z musllinux wheel.
#
# How the stand-ins differ from the real images (what a build here does NOT prove):
#   python  The official image is debian:bookworm-slim plus CPython built from python.org
#           sources into /usr/local (the exact patch release of the tag, e.g. 3.11.14, with pip,
#           no .pyc files). The stand-in runs Debian's python3.11 package (3.11.2 plus Debian's
#           security patches) from /usr/bin, reached through /usr/local/bin/python, python3 and
#           python3.11 symlinks, without .pyc files (as the official image), without pip/setuptools,
#           with Debian's stdlib split (no venv/ensurepip, distutils, tkinter, lib2to3; uv needs
#           none of them) and without Debian's EXTERNALLY-MANAGED marker (the official image has
#           none either). PYTHON_VERSION says the Debian version, not the tag's. Packages are
#           bookworm's current ones at creation time, slimmed like Debian's docker images (no
#           docs but copyright, man pages, locales, apt lists). It has an empty /etc/uv (mount
#           point of build-image.sh's build-time uv config) and carries the two labels above,
#           which images built FROM it inherit: a service image built here says it was.
#   uv      The real image is FROM scratch with /uv and /uvx built by Astral's release pipeline
#           for linux-musl; the stand-in holds the same release's static musl binaries as PyPI
#           publishes them in the musllinux wheel, at the same paths, with the same ENTRYPOINT
#           and WORKDIR. Only the binaries are used (COPY --from), so the difference is the
#           packaging, not the program.
#   Both    No registry digest: a Dockerfile that pins image:tag@sha256:... cannot be stood in
#           for (a local image has its own digest); build those with the real images.
#
# Environment:
#   DEBIAN_MIRROR           default http://deb.debian.org/debian
#   DEBIAN_SECURITY_MIRROR  default http://deb.debian.org/debian-security
#   PIP_PYTHON              a Python with pip for the uv wheel (default: the dev .venv, else python3)
set -euo pipefail

IMAGE_LOG_PREFIX=stand-ins
# shellcheck source=scripts/image/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

SELF="${BASH_SOURCE[0]}"
DEBIAN_SUITE=bookworm
DEBIAN_MIRROR="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
DEBIAN_SECURITY_MIRROR="${DEBIAN_SECURITY_MIRROR:-http://deb.debian.org/debian-security}"
# What the official slim image adds to debian:bookworm-slim besides Python itself.
PYTHON_PACKAGES=python3,ca-certificates,netbase,tzdata
LABEL_FOR=local.stand-in.for
LABEL_RECIPE=local.stand-in.recipe

usage() {
	sed -n '2,/^set -euo/p' "$SELF" | sed -e '$d' -e 's/^# \{0,1\}//' >&2
}

# --- Reading the Dockerfile ------------------------------------------------------------------

# The base images of the Dockerfile's FROM lines, skipping scratch and earlier stage names.
base_images() {
	local dockerfile="$1" line image word stages=" " words
	while IFS= read -r line; do
		read -r -a words <<<"$line"
		image=""
		for word in "${words[@]:1}"; do
			[[ "$word" == --* ]] && continue # --platform=...
			image="$word"
			break
		done
		[ -n "$image" ] || die 2 "$dockerfile: FROM without an image: '$line'"
		[[ "$image" == *'$'* ]] &&
			die 2 "$dockerfile: '$line' uses a build ARG; stand-ins need a literal image name"
		[[ "$image" == scratch || "$stages" == *" ${image,,} "* ]] || printf '%s\n' "$image"
		if [ "${#words[@]}" -ge 4 ] && [[ "${words[-2],,}" == as ]]; then
			stages+="${words[-1],,} "
		fi
	done < <(sed -e 's/\r$//' "$dockerfile" | grep -iE '^[[:space:]]*FROM[[:space:]]')
}

# --- Cache -----------------------------------------------------------------------------------

# The scripts' code without comment lines (editing the docs keeps the cache) and the reference.
recipe_hash() {
	{
		grep -hv '^[[:space:]]*#' "$SELF" "$(dirname "$SELF")/common.sh"
		printf '%s\n' "$1"
	} | sha256sum | cut -d' ' -f1
}

image_label() {
	buildah inspect --type image --format "{{index .OCIv1.Config.Labels \"$2\"}}" "$1" 2>/dev/null
}

# A working container to fill; removed again if anything fails before it is committed.
WORKING_CONTAINER=""
remove_working_container() {
	if [ -n "$WORKING_CONTAINER" ]; then
		buildah umount "$WORKING_CONTAINER" >/dev/null 2>&1 || true
		buildah rm "$WORKING_CONTAINER" >/dev/null 2>&1 || true
		WORKING_CONTAINER=""
	fi
}
trap remove_working_container EXIT

# Commit the working container as REF with the stand-in labels; drop the image it replaces.
commit_stand_in() {
	local ref="$1" recipe="$2" previous
	previous="$(buildah inspect --type image --format '{{.FromImageID}}' "$ref" 2>/dev/null || true)"
	buildah config --label "$LABEL_FOR=$ref" --label "$LABEL_RECIPE=$recipe" "$WORKING_CONTAINER"
	buildah commit --quiet --rm "$WORKING_CONTAINER" "$ref" >/dev/null
	WORKING_CONTAINER=""
	# Images built on the old one keep it alive; then rmi fails and that is fine.
	[ -z "$previous" ] || buildah rmi "$previous" >/dev/null 2>&1 || true
}

# --- python:3.11-slim-bookworm ---------------------------------------------------------------

# Run a command in the half-made root filesystem, with a clean environment.
in_root() {
	local root="$1"
	shift
	chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 \
		DEBIAN_FRONTEND=noninteractive "$@"
}

configure_apt_and_dpkg() {
	local root="$1"
	rm -f "${root:?}/etc/apt/sources.list"
	cat >"${root:?}/etc/apt/sources.list.d/debian.sources" <<-SOURCES
		Types: deb
		URIs: $DEBIAN_MIRROR
		Suites: $DEBIAN_SUITE $DEBIAN_SUITE-updates
		Components: main
		Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

		Types: deb
		URIs: $DEBIAN_SECURITY_MIRROR
		Suites: $DEBIAN_SUITE-security
		Components: main
		Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
	SOURCES
	# As in Debian's docker images: later apt-get installs stay slim and leave no caches.
	cat >"${root:?}/etc/dpkg/dpkg.cfg.d/docker" <<-'DPKG'
		path-exclude /usr/share/doc/*
		path-include /usr/share/doc/*/copyright
		path-exclude /usr/share/groff/*
		path-exclude /usr/share/info/*
		path-exclude /usr/share/linda/*
		path-exclude /usr/share/lintian/overrides/*
		path-exclude /usr/share/locale/*
		path-exclude /usr/share/man/*
	DPKG
	cat >"${root:?}/etc/apt/apt.conf.d/docker-clean" <<-'APT'
		DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
		APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
		Dir::Cache::pkgcache "";
		Dir::Cache::srcpkgcache "";
	APT
	printf 'Acquire::Languages "none";\n' >"${root:?}/etc/apt/apt.conf.d/docker-no-languages"
	printf 'APT::Install-Recommends "false";\n' >"${root:?}/etc/apt/apt.conf.d/docker-no-recommends"
}

# Remove what the dpkg excludes would have kept out, and everything a build leaves behind.
slim_root() {
	local root="$1"
	find "${root:?}/usr/share/doc" -mindepth 1 -not -name copyright -not -type d -delete
	find "${root:?}/usr/share/doc" -mindepth 1 -type d -empty -delete
	rm -rf "${root:?}"/usr/share/{groff,info,linda,lintian/overrides,locale,man}/*
	rm -rf "${root:?}"/var/lib/apt/lists/* "${root:?}"/var/cache/apt/* "${root:?}"/var/cache/debconf/*-old \
		"${root:?}"/var/lib/dpkg/*-old "${root:?}"/var/log/* "${root:?}"/tmp/* "${root:?}"/var/tmp/*
	# The runtime provides these (buildah/docker mount /dev, resolv.conf, hostname).
	rm -rf "${root:?}"/dev/* "${root:?}/etc/resolv.conf" "${root:?}/etc/hostname"
	find "${root:?}/etc" \( -name '*.dpkg-old' -o -name '*.dpkg-dist' \) -delete
	: >"${root:?}/etc/machine-id"
}

# The official image's interpreter is /usr/local/bin/python{,3,3.11}; point them at Debian's.
link_python() {
	local root="$1" name
	for name in python python3 python3.11; do
		ln -sfn /usr/bin/python3.11 "${root:?}/usr/local/bin/$name"
	done
	rm -f "${root:?}"/usr/lib/python3*/EXTERNALLY-MANAGED
	# The official image ships its standard library without bytecode (docker-library/python's
	# Dockerfile deletes every *.pyc under /usr/local); so does the stand-in, or an image built
	# here would start faster than the same Dockerfile on the real base.
	find "${root:?}"/usr/lib/python3* -depth -type d -name __pycache__ -exec rm -rf {} +
	# Mount point for scripts/build-image.sh's build-time uv config (IMAGE_BUILD_CA_BUNDLE):
	# buildah 1.28 would otherwise create it in the Dockerfile's own RUN layers.
	mkdir -p "${root:?}/etc/uv"
}

make_python_stand_in() {
	local ref="$1" recipe="$2" root debootstrap_log python_version
	WORKING_CONTAINER="$(buildah from --quiet scratch)"
	root="$(buildah mount "$WORKING_CONTAINER")"
	debootstrap_log="$(mktemp -t stand-in-debootstrap.XXXXXX.log)"
	log "debootstrap $DEBIAN_SUITE (minbase + $PYTHON_PACKAGES) from $DEBIAN_MIRROR (log: $debootstrap_log)"
	if ! debootstrap --variant=minbase --include="$PYTHON_PACKAGES" "$DEBIAN_SUITE" "$root" \
		"$DEBIAN_MIRROR" >"$debootstrap_log" 2>&1; then
		tail -n 20 "$debootstrap_log" >&2
		die 1 "debootstrap failed for $ref (log: $debootstrap_log)"
	fi
	configure_apt_and_dpkg "$root"
	log "applying $DEBIAN_SUITE-updates and security updates"
	if ! { in_root "$root" apt-get update -q && in_root "$root" apt-get upgrade -y -q; } \
		>>"$debootstrap_log" 2>&1; then
		tail -n 20 "$debootstrap_log" >&2
		die 1 "apt-get upgrade in the $ref stand-in failed (log: $debootstrap_log)"
	fi
	link_python "$root"
	python_version="$(in_root "$root" /usr/local/bin/python -c 'import platform; print(platform.python_version())')"
	slim_root "$root"
	rm -f "$debootstrap_log"
	buildah config --os linux --arch "$(go_arch)" \
		--env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
		--env LANG=C.UTF-8 --env PYTHON_VERSION="$python_version" \
		--cmd '["python3"]' "$WORKING_CONTAINER"
	buildah umount "$WORKING_CONTAINER" >/dev/null
	commit_stand_in "$ref" "$recipe"
	log "made $ref: Debian's Python $python_version"
}

# --- ghcr.io/astral-sh/uv:X.Y.Z --------------------------------------------------------------

go_arch() {
	case "$(uname -m)" in
		x86_64) echo amd64 ;;
		aarch64) echo arm64 ;;
		*) die 2 "no stand-in recipe for machine type $(uname -m) (x86_64 and aarch64 only)" ;;
	esac
}

pip_python() {
	local candidate
	for candidate in "${PIP_PYTHON:-}" "$IMAGE_REPO_DIR/.venv/bin/python" python3; do
		[ -n "$candidate" ] || continue
		if "$candidate" -m pip --version >/dev/null 2>&1; then
			printf '%s\n' "$candidate"
			return 0
		fi
	done
	die 1 "no Python with pip to download the uv wheel: run scripts/bootstrap.sh or set PIP_PYTHON"
}

make_uv_stand_in() {
	local ref="$1" recipe="$2" version="$3" python work wheel
	python="$(pip_python)"
	work="$(mktemp -d -t stand-in-uv.XXXXXX)"
	# shellcheck disable=SC2064 # expand now: the trap must remove this directory
	trap "rm -rf '$work'; remove_working_container" EXIT
	log "downloading uv==$version (musllinux wheel) from PyPI"
	if ! "$python" -m pip download --quiet --no-deps --only-binary=:all: \
		--platform "musllinux_1_1_$(uname -m)" --python-version 3.11 \
		--dest "$work" "uv==$version" >&2; then
		die 1 "pip could not download uv==$version for $ref (is $version a released uv version?)"
	fi
	wheel="$(find "$work" -name 'uv-*.whl' -print -quit)"
	"$python" - "$wheel" "$work" "$version" <<-'PY'
		import sys, zipfile
		from pathlib import Path
		wheel, out, version = sys.argv[1], Path(sys.argv[2]), sys.argv[3]
		with zipfile.ZipFile(wheel) as archive:
		    for name in ("uv", "uvx"):
		        target = out / name
		        target.write_bytes(archive.read(f"uv-{version}.data/scripts/{name}"))
		        target.chmod(0o755)
	PY
	WORKING_CONTAINER="$(buildah from --quiet scratch)"
	buildah copy --quiet "$WORKING_CONTAINER" "$work/uv" "$work/uvx" / >/dev/null
	buildah config --os linux --arch "$(go_arch)" --entrypoint '["/uv"]' --workingdir /io \
		"$WORKING_CONTAINER"
	commit_stand_in "$ref" "$recipe"
	rm -rf "$work"
	log "made $ref: /uv and /uvx $version from the wheel"
}

# --- Main ------------------------------------------------------------------------------------

ensure_stand_in() {
	local image="$1" ref recipe found
	ref="$(qualified_reference "$image")"
	[[ "$ref" == *@* ]] &&
		die 2 "$image is pinned by digest; a local stand-in cannot have that digest: build with the real image"
	recipe="$(recipe_hash "$ref")"
	if buildah inspect --type image "$ref" >/dev/null 2>&1; then
		found="$(image_label "$ref" "$LABEL_RECIPE")"
		if [ -z "$found" ]; then
			log "$ref is a real image in local storage (no $LABEL_RECIPE label): using it"
			printf '%s\n' "$ref"
			return 0
		fi
		if [ "$found" = "$recipe" ] && [ "$REFRESH" = 0 ]; then
			log "$ref: cached stand-in is current"
			printf '%s\n' "$ref"
			return 0
		fi
		if [ "$REFRESH" = 1 ]; then
			log "$ref: rebuilding the stand-in (--refresh)"
		else
			log "$ref: rebuilding the stand-in (its recipe changed)"
		fi
	fi
	if [[ "$ref" =~ ^docker\.io/library/python:3\.11(\.[0-9]+)?-slim-bookworm$ ]]; then
		make_python_stand_in "$ref" "$recipe"
	elif [[ "$ref" =~ ^ghcr\.io/astral-sh/uv:([0-9]+\.[0-9]+\.[0-9]+)$ ]]; then
		make_uv_stand_in "$ref" "$recipe" "${BASH_REMATCH[1]}"
	else
		die 2 "no stand-in recipe for $image ($ref); known: python:3.11[.N]-slim-bookworm, ghcr.io/astral-sh/uv:X.Y.Z"
	fi
	printf '%s\n' "$ref"
}

main() {
	REFRESH=0
	local dockerfile="$IMAGE_REPO_DIR/service/Dockerfile" arg image
	for arg in "$@"; do
		case "$arg" in
			--refresh) REFRESH=1 ;;
			-h | --help)
				usage
				exit 0
				;;
			-*) die 64 "unknown option '$arg' (valid: --refresh, --help)" ;;
			*) dockerfile="$arg" ;;
		esac
	done
	[ -f "$dockerfile" ] || die 64 "Dockerfile '$dockerfile' not found"
	ensure_image_tools
	local images
	images="$(base_images "$dockerfile" | awk '!seen[$0]++')"
	[ -n "$images" ] || die 2 "$dockerfile names no base image"
	for image in $images; do
		ensure_stand_in "$image"
	done
}

main "$@"
