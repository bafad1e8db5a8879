#!/usr/bin/env bash
# Builds local stand-ins for the upstream images the Dockerfile and compose file name, since no
# image registry is reachable here (shared/reference/containers.md): node:20-bookworm-slim from
# this machine's node and npm, postgres:15 from Debian's postgresql-15 with an entrypoint that
# honours POSTGRES_USER / POSTGRES_PASSWORD / POSTGRES_DB / PGDATA and /docker-entrypoint-initdb.d,
# quay.io/keycloak/keycloak from the Keycloak distribution the tests fetch from Maven Central
# (scripts/fetch-keycloak.sh) on Debian's Java 17, laid out like the official image (user 1000,
# /opt/keycloak, kc.sh as entrypoint), and caddy:2 from Debian's caddy with the official image's
# folders and command. Each only when missing, or built by another version of this script.
# Needs the engine and base image from scripts/systemd-host/docker-engine.sh.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
KEYCLOAK_TAG="${KEYCLOAK_TAG:-26.4.7}"
# Images carry a digest of this script and the entrypoint, so a change here rebuilds them.
want="$(cat "${BASH_SOURCE[0]}" "$here/postgres-entrypoint.sh" | sha256sum | cut -c1-16)"
current() { [ "$(docker image inspect -f '{{index .Config.Labels "nc.standin"}}' "$1" 2>/dev/null)" = "$want" ]; }
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

if ! current node:20-bookworm-slim; then
  mkdir -p "$work/node"
  cp "$(readlink -f "$(command -v node)")" "$work/node/node"
  cp -r "$(dirname "$(dirname "$(readlink -f "$(command -v npm)")")")" "$work/node/npm"
  cat > "$work/node/Dockerfile" <<'DOCKERFILE'
FROM localhost/debian:bookworm
COPY node /usr/local/bin/node
COPY npm /usr/local/lib/node_modules/npm
RUN ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \
 && ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx \
 && node --version && npm --version
DOCKERFILE
  DOCKER_BUILDKIT=0 docker build -q --label "nc.standin=$want" -t node:20-bookworm-slim "$work/node" >/dev/null
fi

if ! current postgres:15; then
  mkdir -p "$work/pg"
  cp "$here/postgres-entrypoint.sh" "$work/pg/docker-entrypoint.sh"
  cat > "$work/pg/Dockerfile" <<'DOCKERFILE'
FROM localhost/debian:bookworm
RUN apt-get update && apt-get install -y --no-install-recommends postgresql-15 && rm -rf /var/lib/apt/lists/*
ENV PATH=/usr/lib/postgresql/15/bin:$PATH PGDATA=/var/lib/postgresql/data
COPY docker-entrypoint.sh /usr/local/bin/
EXPOSE 5432
STOPSIGNAL SIGINT
ENTRYPOINT ["docker-entrypoint.sh"]
CMD ["postgres"]
DOCKERFILE
  DOCKER_BUILDKIT=0 docker build -q --label "nc.standin=$want" -t postgres:15 "$work/pg" >/dev/null
fi

if ! current "quay.io/keycloak/keycloak:$KEYCLOAK_TAG"; then
  dist="$(KC_VERSION="$KEYCLOAK_TAG" bash "$here/../fetch-keycloak.sh")"
  mkdir -p "$work/kc"
  cp -r "$dist" "$work/kc/keycloak"
  rm -rf "$work/kc/keycloak/data"
  cat > "$work/kc/Dockerfile" <<'DOCKERFILE'
FROM localhost/debian:bookworm
RUN apt-get update && apt-get install -y --no-install-recommends openjdk-17-jre-headless && rm -rf /var/lib/apt/lists/* \
 && useradd --uid 1000 --gid 0 --home-dir /opt/keycloak --no-create-home keycloak
COPY --chown=1000:0 keycloak /opt/keycloak
RUN mkdir -p /opt/keycloak/data/import /opt/keycloak/data/tmp && chown -R 1000:0 /opt/keycloak/data
USER 1000
EXPOSE 8080 8443 9000
ENTRYPOINT ["/opt/keycloak/bin/kc.sh"]
DOCKERFILE
  DOCKER_BUILDKIT=0 docker build -q --label "nc.standin=$want" -t "quay.io/keycloak/keycloak:$KEYCLOAK_TAG" "$work/kc" >/dev/null
fi

if ! current caddy:2; then
  mkdir -p "$work/caddy"
  cat > "$work/caddy/Dockerfile" <<'DOCKERFILE'
FROM localhost/debian:bookworm
RUN apt-get update && apt-get install -y --no-install-recommends caddy && rm -rf /var/lib/apt/lists/* \
 && mkdir -p /config/caddy /data/caddy /etc/caddy /srv
ENV XDG_CONFIG_HOME=/config XDG_DATA_HOME=/data
EXPOSE 80 443
WORKDIR /srv
CMD ["caddy", "run", "--config", "/etc/caddy/Caddyfile", "--adapter", "caddyfile"]
DOCKERFILE
  DOCKER_BUILDKIT=0 docker build -q --label "nc.standin=$want" -t caddy:2 "$work/caddy" >/dev/null
fi
