#!/usr/bin/env bash
# Installs the Debian packages the test suites need, only when something is missing.
# Idempotent: a second run on the same machine does nothing but check.
set -euo pipefail

need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
[ -x /usr/bin/nebula-cert ] || need+=(nebula)
command -v ip >/dev/null 2>&1 || need+=(iproute2)
command -v ping >/dev/null 2>&1 || need+=(iputils-ping)
command -v nc >/dev/null 2>&1 || need+=(netcat-openbsd)
command -v unzip >/dev/null 2>&1 || need+=(unzip)
# The one-liner's tests run it as people do: curl piped to sh, in namespaces (unshare, nsenter).
command -v curl >/dev/null 2>&1 || need+=(curl)
command -v nsenter >/dev/null 2>&1 || need+=(util-linux)
command -v java >/dev/null 2>&1 || need+=(openjdk-17-jre-headless)
command -v mvn >/dev/null 2>&1 || need+=(maven)
command -v pg_dump >/dev/null 2>&1 || need+=(postgresql-client)
# Debian ships emoji/latin fonts separately; without one, screenshots render boxes.
[ -d /usr/share/fonts/truetype/dejavu ] || need+=(fonts-dejavu-core)

if [ ${#need[@]} -gt 0 ]; then
  echo "[deps] apt-get install ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
echo "[deps] system packages present"
