#!/usr/bin/env bash
# Start (idempotently) a local Docker engine for the systemd-host test containers,
# and build the registry-less base image localhost/debian:bookworm.
#
#   scripts/systemd-host/docker-engine.sh          # install (if missing), start, build base
#   scripts/systemd-host/docker-engine.sh start    # same
#   scripts/systemd-host/docker-engine.sh stop     # stop the dockerd we started (by pidfile PID)
#   scripts/systemd-host/docker-engine.sh status
#
# Everything lives under <repo>/.cache/docker (git-ignored): data-root, pidfile, log, rootfs tar.
# The engine listens on the default socket (/var/run/docker.sock), so plain `docker` works.
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$SCRIPT_DIR/../.." && pwd)"
STATE_DIR="$REPO_ROOT/.cache/docker"
DATA_ROOT="$STATE_DIR/data-root"
PIDFILE="$STATE_DIR/dockerd.pid"
LOGFILE="$STATE_DIR/dockerd.log"
ROOTFS_TAR="$STATE_DIR/debian-bookworm-minbase.tar"
BASE_IMAGE="localhost/debian:bookworm"
READY_TIMEOUT="${DOCKERD_READY_TIMEOUT:-60}"   # seconds

log() { printf '[docker-engine] %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

[ "$(id -u)" = 0 ] || die "must run as root"

our_pid() {
  # Prints the PID from our pidfile if that process is alive and is a dockerd.
  [ -s "$PIDFILE" ] || return 1
  local pid; pid="$(cat "$PIDFILE")"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = dockerd ] || return 1
  echo "$pid"
}

install_packages() {
  local missing=() p
  for p in docker.io mmdebstrap iptables; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  log "installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  if ! apt-get install -y --no-install-recommends "${missing[@]}" >"$STATE_DIR/apt.log" 2>&1; then
    apt-get update >>"$STATE_DIR/apt.log" 2>&1 || true
    apt-get install -y --no-install-recommends "${missing[@]}" >>"$STATE_DIR/apt.log" 2>&1 \
      || { tail -20 "$STATE_DIR/apt.log" >&2; die "apt-get install failed (log: $STATE_DIR/apt.log)"; }
  fi
}

wait_ready() {
  local i
  for ((i = 0; i < READY_TIMEOUT * 2; i++)); do
    docker info >/dev/null 2>&1 && return 0
    if [ -n "${1:-}" ] && ! kill -0 "$1" 2>/dev/null; then
      tail -20 "$LOGFILE" >&2; die "dockerd exited during startup (log: $LOGFILE)"
    fi
    sleep 0.5
  done
  tail -20 "$LOGFILE" >&2
  die "dockerd not ready after ${READY_TIMEOUT}s (log: $LOGFILE)"
}

start_dockerd() {
  local pid
  if pid="$(our_pid)"; then
    wait_ready "$pid"
    return 0
  fi
  if docker info >/dev/null 2>&1; then
    log "a Docker engine not started by this script already answers on the default socket; using it"
    return 0
  fi
  rm -f "$PIDFILE"
  mkdir -p "$DATA_ROOT"
  # setsid: own session, so it outlives this script and its terminal.
  setsid dockerd --data-root "$DATA_ROOT" --pidfile "$PIDFILE" >>"$LOGFILE" 2>&1 </dev/null &
  local launched=$!
  wait_ready "$launched"
  # dockerd writes the pidfile itself; it should be the PID we launched.
  our_pid >/dev/null || echo "$launched" >"$PIDFILE"
}

# The Debian sources of this machine, as mmdebstrap arguments: containers cannot use the https
# repositories a machine may also list, so only its deb822 Debian entries are taken.
debian_sources() {
  local f=/etc/apt/sources.list.d/debian.sources
  [ -f "$f" ] || return 0
  awk '/^URIs:/ { u = $2 } /^Suites:/ { for (i = 2; i <= NF; i++) printf "deb %s %s main\n", u, $i }' "$f"
}

build_base_image() {
  docker image inspect "$BASE_IMAGE" >/dev/null 2>&1 && return 0
  if [ ! -s "$ROOTFS_TAR" ]; then
    log "bootstrapping Debian bookworm rootfs with mmdebstrap (cached at $ROOTFS_TAR)"
    local tmp="$STATE_DIR/.tmp-$$-rootfs.tar"  # must end in .tar: mmdebstrap picks the format from it
    local sources=()
    while IFS= read -r line; do sources+=("$line"); done < <(debian_sources)
    mmdebstrap --quiet --variant=minbase --include=ca-certificates bookworm "$tmp" "${sources[@]}" >"$STATE_DIR/mmdebstrap.log" 2>&1 \
      || { rm -f "$tmp"; tail -20 "$STATE_DIR/mmdebstrap.log" >&2; die "mmdebstrap failed"; }
    mv "$tmp" "$ROOTFS_TAR"
  fi
  log "importing $ROOTFS_TAR as $BASE_IMAGE"
  docker import --change 'CMD ["/bin/bash"]' "$ROOTFS_TAR" "$BASE_IMAGE" >/dev/null
}

stop_dockerd() {
  local pid i
  if ! pid="$(our_pid)"; then
    rm -f "$PIDFILE"
    return 0
  fi
  kill -TERM "$pid"
  for ((i = 0; i < 60; i++)); do
    kill -0 "$pid" 2>/dev/null || { rm -f "$PIDFILE"; return 0; }
    sleep 0.5
  done
  log "dockerd $pid still alive after 30s; sending SIGKILL"
  kill -KILL "$pid" 2>/dev/null || true
  rm -f "$PIDFILE"
}

mkdir -p "$STATE_DIR"
case "${1:-start}" in
  start)
    install_packages
    start_dockerd
    build_base_image
    ;;
  stop) stop_dockerd ;;
  status)
    if pid="$(our_pid)"; then echo "dockerd running, pid $pid (pidfile $PIDFILE)"; else echo "dockerd (ours) not running"; exit 1; fi
    ;;
  *) die "usage: $0 [start|stop|status]" ;;
esac
