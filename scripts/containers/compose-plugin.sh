#!/usr/bin/env bash
# Makes `docker compose` (v2, the plugin operators use) available: built once from the Go module
# proxy into .cache/compose (git-ignored; no release download is reachable here), then linked
# into Docker's CLI plugin folder. Idempotent; prints nothing when it is already there.
set -euo pipefail
cd "$(dirname "$0")/../.."
VERSION="${COMPOSE_VERSION:-v2.40.3}"
cache="$PWD/.cache/compose"
bin="$cache/docker-compose-$VERSION"
plugin_dir=/usr/local/lib/docker/cli-plugins

if docker compose version 2>/dev/null | grep -q "${VERSION#v}"; then exit 0; fi
if [ ! -x "$bin" ]; then
  command -v go >/dev/null || { echo "[compose] needs Go to build docker compose $VERSION" >&2; exit 1; }
  echo "[compose] building docker compose $VERSION from the Go module proxy (once; cached in .cache/compose)" >&2
  export GOPATH="$cache/gopath" GOFLAGS=-modcacherw
  mod_dir="$(go mod download -json "github.com/docker/compose/v2@$VERSION" | sed -n 's/^\s*"Dir": "\(.*\)",$/\1/p')"
  [ -d "$mod_dir" ] || { echo "[compose] go mod download gave no folder" >&2; exit 1; }
  (cd "$mod_dir" && CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X github.com/docker/compose/v2/internal.Version=$VERSION" -o "$bin.tmp" ./cmd)
  mv "$bin.tmp" "$bin"
fi
mkdir -p "$plugin_dir"
ln -sf "$bin" "$plugin_dir/docker-compose"
docker compose version >&2
