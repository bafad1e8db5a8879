#!/usr/bin/env bash
# Builds the newest nebula release whose dependencies the Go module proxy serves (1.11+ need
# DefinedNet forks the proxy refuses) into .cache/nebula/<version>/ (git-ignored).
# Debian's 1.6.1 comes from apt; this is the second version the suites run on.
set -euo pipefail
cd "$(dirname "$0")/.."

NEBULA_VERSION="${NEBULA_VERSION:-v1.10.3}"
out="$PWD/.cache/nebula/$NEBULA_VERSION"
if [ ! -x "$out/nebula" ] || [ ! -x "$out/nebula-cert" ]; then
  echo "[nebula] building $NEBULA_VERSION from the Go module proxy" >&2
  mkdir -p "$out"
  export GOBIN="$out" GOFLAGS="-mod=mod" CGO_ENABLED=0
  # Newer nebula releases need a newer Go than the machine has; the proxy serves the toolchain.
  export GOTOOLCHAIN="${GOTOOLCHAIN_OVERRIDE:-auto}"
  export GOPATH="$PWD/.cache/go" GOCACHE="$PWD/.cache/go-build"
  go install "github.com/slackhq/nebula/cmd/nebula@$NEBULA_VERSION" >&2
  go install "github.com/slackhq/nebula/cmd/nebula-cert@$NEBULA_VERSION" >&2
fi
echo "$out"
