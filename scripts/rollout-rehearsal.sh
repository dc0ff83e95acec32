#!/usr/bin/env bash
# Rehearse a rolling deploy of STACK (default prod) on this machine and count what users lose:
# the image built by scripts/build-image.sh runs as two tasks (buildah, the task definition's
# user and environment, read-only root) behind HAProxy set up as the stack's target group and
# ALB; under steady keep-alive load the tasks are replaced one at a time as ECS replaces them
# (start, register, healthy; drain for the deregistration delay; SIGTERM; SIGKILL after
# stopTimeout); then a negative control (SIGTERM without draining) that must lose requests.
# Every value comes from the program's own resources for STACK (bench/rollout/stack.py).
#
# Usage:
#   scripts/rollout-rehearsal.sh [STACK] [OPTIONS]      scripts/rollout-rehearsal.sh --help
#   Options go to `python -m bench.rollout`: --replacements N (3), --rate R (200 req/s),
#   --slow-clients N, --slow-seconds S, --steady-seconds S, --negative-window S,
#   --out DIR (bench/results), --logs DIR (keep the tasks' and HAProxy's logs).
#
# Writes DIR/rollout.json, DIR/rollout.png and the rollout section of DIR/results.md.
# Exit: 0 no request failed and the control lost some; 1 a finding (printed); 2 the rehearsal
# could not run; 3 tools missing and not installable (buildah, HAProxy, iproute2: Debian
# packages, installed here when run as root on an apt system, as CI is); 64 usage.
# Needs root: network namespaces, bind mounts, buildah. All traffic stays on 127.0.0.1.
set -euo pipefail

IMAGE_LOG_PREFIX=rollout-rehearsal
# shellcheck source=scripts/image/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/image/common.sh"
repo="$IMAGE_REPO_DIR"
IMAGE_TAG=fastapi-fargate-service:rehearsal

usage() {
	sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed -e '$d' -e 's/^# \{0,1\}//' >&2
}

# HAProxy from Debian when it is missing (exit 3 when it cannot be installed here).
ensure_haproxy() {
	command -v haproxy >/dev/null 2>&1 && return 0
	if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
		die 3 "haproxy is missing; install it as root: apt-get install haproxy"
	fi
	log "installing haproxy from Debian"
	local apt_log
	apt_log="$(mktemp -t rollout-apt.XXXXXX.log)"
	if ! { apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y haproxy; } \
		>"$apt_log" 2>&1; then
		tail -n 20 "$apt_log" >&2
		die 3 "apt-get install haproxy failed (log: $apt_log)"
	fi
	rm -f "$apt_log"
}

main() {
	local args=()
	for arg in "$@"; do
		case "$arg" in
			-h | --help)
				usage
				exit 0
				;;
			*) args+=("$arg") ;;
		esac
	done
	[ "$(id -u)" -eq 0 ] || die 3 "run as root: network namespaces, bind mounts and buildah need it"
	ensure_image_tools
	ensure_haproxy
	bash "$repo/scripts/bootstrap.sh"
	local image status=0
	image="$(bash "$repo/scripts/build-image.sh" --tag "$IMAGE_TAG")" || status=$?
	if [ "$status" -ne 0 ]; then
		[ "$status" -eq 3 ] && exit 3
		die 2 "scripts/build-image.sh failed (exit $status)"
	fi
	log "image $image; rehearsing (this takes minutes: health checks and drains run at the stack's own pace)"
	cd "$repo"
	# bench imports the program (infra/) and the test helpers it reuses (tests/) from here, and
	# those import the service's app (service/).
	PYTHONPATH="$repo:$repo/policy:$repo/service${PYTHONPATH:+:$PYTHONPATH}" \
		exec .venv/bin/python -m bench.rollout --image "$image" "${args[@]}"
}

main "$@"
