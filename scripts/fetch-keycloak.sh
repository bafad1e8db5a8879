#!/usr/bin/env bash
# Fetches the Keycloak server distribution from Maven Central into .cache/ (git-ignored)
# and unpacks it once. Prints the unpacked folder on stdout.
set -euo pipefail
cd "$(dirname "$0")/.."

KC_VERSION="${KC_VERSION:-26.4.7}"
cache=".cache/keycloak"
dir="$cache/keycloak-$KC_VERSION"
zip="$cache/keycloak-quarkus-dist-$KC_VERSION.zip"
mkdir -p "$cache"

if [ ! -x "$dir/bin/kc.sh" ]; then
  if [ ! -s "$zip" ]; then
    echo "[keycloak] fetching org.keycloak:keycloak-quarkus-dist:$KC_VERSION:zip" >&2
    mvn -q -B dependency:copy \
      -Dartifact="org.keycloak:keycloak-quarkus-dist:$KC_VERSION:zip" \
      -DoutputDirectory="$cache" -Dmdep.overWriteReleases=false >&2
  fi
  rm -rf "$dir.tmp" && mkdir -p "$dir.tmp"
  unzip -q "$zip" -d "$dir.tmp"
  mv "$dir.tmp/keycloak-$KC_VERSION" "$dir"
  rm -rf "$dir.tmp"
fi
echo "$dir"
