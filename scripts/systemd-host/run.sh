#!/usr/bin/env bash
# Debian bookworm containers with systemd as PID 1 (image nc-systemd-host:bookworm), for
# testing install scripts that install systemd units, and `docker restart` as a reboot.
#
#   run.sh start NAME [-- EXTRA DOCKER RUN ARGS...]  create+boot (or boot) NAME, wait until
#                                                   systemd says running/degraded
#   run.sh exec NAME [CMD ARGS...]                  run CMD (default: bash) inside NAME
#   run.sh restart NAME                             docker restart ("reboot") + wait for boot
#   run.sh wait NAME                                wait for boot only
#   run.sh stop NAME                                stop and remove NAME
#   run.sh build                                    build the image (also done by start)
#
# Needs the engine from docker-engine.sh (start calls it). Environment knobs:
#   NC_SYSTEMD_BOOT_TIMEOUT  seconds to wait for boot (default 60)
#   NC_SYSTEMD_CGROUP_MODE   private | host (default: private on cgroup v1/hybrid hosts, which
#                            is what was verified; host on pure cgroup v2 hosts, unverified)
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$SCRIPT_DIR/../.." && pwd)"
STATE_DIR="$REPO_ROOT/.cache/docker"
IMAGE="nc-systemd-host:bookworm"
BOOT_TIMEOUT="${NC_SYSTEMD_BOOT_TIMEOUT:-60}"

log() { printf '[systemd-host] %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }
usage() { sed -n '2,17p' "$0" >&2; exit 2; }

exists()  { docker container inspect "$1" >/dev/null 2>&1; }
running() { [ "$(docker container inspect -f '{{.State.Running}}' "$1" 2>/dev/null)" = true ]; }

dockerfile_hash() { sha256sum "$SCRIPT_DIR/Dockerfile" | cut -c1-16; }

build_image() {
  local want have
  want="$(dockerfile_hash)"
  have="$(docker image inspect -f '{{index .Config.Labels "nc.dockerfile"}}' "$IMAGE" 2>/dev/null || true)"
  [ "$want" = "$have" ] && return 0
  log "building $IMAGE"
  mkdir -p "$STATE_DIR"
  # Legacy builder: Debian's dockerd 20.10 may have no buildx; the build needs no BuildKit.
  if ! DOCKER_BUILDKIT=0 docker build --label "nc.dockerfile=$want" -t "$IMAGE" \
        -f "$SCRIPT_DIR/Dockerfile" "$SCRIPT_DIR" >"$STATE_DIR/systemd-host-build.log" 2>&1; then
    tail -30 "$STATE_DIR/systemd-host-build.log" >&2
    die "image build failed (log: $STATE_DIR/systemd-host-build.log)"
  fi
}

cgroup_args() {
  local mode="${NC_SYSTEMD_CGROUP_MODE:-}"
  if [ -z "$mode" ]; then
    if [ "$(stat -fc %T /sys/fs/cgroup)" = cgroup2fs ]; then mode=host; else mode=private; fi
  fi
  case "$mode" in
    # v1/hybrid host: docker mounts a private cgroup view (v1 controllers read-only, the
    # unified hierarchy writable); systemd tracks services there. No host bind mount needed.
    private) echo "--cgroupns=private" ;;
    # v2 host (not verified here): share the host's cgroup tree writable.
    host)    echo "--cgroupns=host -v /sys/fs/cgroup:/sys/fs/cgroup:rw" ;;
    *) die "NC_SYSTEMD_CGROUP_MODE must be private or host" ;;
  esac
}

wait_boot() {
  local name="$1" state="" i
  for ((i = 0; i < BOOT_TIMEOUT * 2; i++)); do
    if ! running "$name"; then
      docker logs --tail 30 "$name" >&2 || true
      die "container $name is not running (systemd exited?)"
    fi
    state="$(docker exec "$name" systemctl is-system-running 2>/dev/null || true)"
    case "$state" in
      running) return 0 ;;
      degraded)
        log "$name booted degraded; failed units:"
        docker exec "$name" systemctl --failed --no-legend --no-pager >&2 || true
        return 0 ;;
      maintenance|stopping) break ;;
    esac
    sleep 0.5
  done
  docker logs --tail 30 "$name" >&2 || true
  die "$name: systemd did not reach running/degraded within ${BOOT_TIMEOUT}s (last state: ${state:-none})"
}

cmd="${1:-}"; shift || true
case "$cmd" in
  build)
    "$SCRIPT_DIR/docker-engine.sh" start
    build_image
    ;;
  start)
    name="${1:-}"; [ -n "$name" ] || usage; shift
    [ "${1:-}" = "--" ] && shift
    "$SCRIPT_DIR/docker-engine.sh" start
    build_image
    if exists "$name"; then
      running "$name" || docker start "$name" >/dev/null
    else
      # shellcheck disable=SC2046
      docker run -d -t --name "$name" --hostname "$name" \
        --label nc.systemd-host=1 \
        $(cgroup_args) \
        --cap-add SYS_ADMIN --cap-add NET_ADMIN \
        --device /dev/net/tun \
        --tmpfs /run --tmpfs /run/lock \
        --stop-signal SIGRTMIN+3 \
        -e container=docker \
        "$@" "$IMAGE" >/dev/null
    fi
    wait_boot "$name"
    ;;
  exec)
    name="${1:-}"; [ -n "$name" ] || usage; shift
    [ $# -gt 0 ] || set -- bash
    if [ -t 0 ] && [ -t 1 ]; then exec docker exec -it "$name" "$@"; else exec docker exec -i "$name" "$@"; fi
    ;;
  restart)
    name="${1:-}"; [ -n "$name" ] || usage
    docker restart "$name" >/dev/null
    wait_boot "$name"
    ;;
  wait)
    name="${1:-}"; [ -n "$name" ] || usage
    wait_boot "$name"
    ;;
  stop)
    name="${1:-}"; [ -n "$name" ] || usage
    if exists "$name"; then
      docker stop -t 20 "$name" >/dev/null 2>&1 || true
      docker rm -f "$name" >/dev/null
    fi
    ;;
  *) usage ;;
esac
