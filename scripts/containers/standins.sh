#!/usr/bin/env bash
# Builds local stand-ins for the upstream images the Dockerfile and compose file name, since no
# image registry is reachable here (shared/reference/containers.md): node:20-bookworm-slim from
# this machine's node and npm, postgres:15 from Debian's postgresql-15 with an entrypoint that
# honours POSTGRES_USER / POSTGRES_PASSWORD / POSTGRES_DB / PGDATA. Each only when missing.
# Needs the engine and base image from scripts/systemd-host/docker-engine.sh.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

if ! docker image inspect node:20-bookworm-slim >/dev/null 2>&1; then
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
  DOCKER_BUILDKIT=0 docker build -q -t node:20-bookworm-slim "$work/node" >/dev/null
fi

if ! docker image inspect postgres:15 >/dev/null 2>&1; then
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
  DOCKER_BUILDKIT=0 docker build -q -t postgres:15 "$work/pg" >/dev/null
fi
