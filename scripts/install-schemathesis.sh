#!/usr/bin/env bash
# Installs Schemathesis (the API fuzzer, from PyPI) into a virtualenv under .cache/ (git-ignored),
# pinned by e2e/fuzz/requirements.txt. Reinstalls only when that file changes. Prints the
# schemathesis executable's path on stdout.
set -euo pipefail
cd "$(dirname "$0")/.."

venv=".cache/schemathesis-venv"
reqs="e2e/fuzz/requirements.txt"
stamp="$venv/.nc-requirements-hash"
want=$(sha256sum "$reqs" | cut -d' ' -f1)

if [ ! -x "$venv/bin/schemathesis" ] || [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "[schemathesis] installing $(grep -i '^schemathesis==' "$reqs") into $venv" >&2
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check --no-deps -r "$reqs" >&2
  "$venv/bin/pip" check >&2
  echo "$want" > "$stamp"
fi
echo "$PWD/$venv/bin/schemathesis"
