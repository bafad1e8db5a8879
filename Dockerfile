# Nebula Commander: the production app, as operators run it (see docker-compose.yml and the README).
#   docker build -t nebula-commander .
# Multi-stage: dependencies, then the production build, then a runtime image that runs as an
# unprivileged user with Debian's nebula-cert (1.6.1, the version the test suite verifies), and only
# what running needs: Next's standalone output (the node_modules files the app was traced to use),
# our server and commands bundled by esbuild, and the Prisma CLI for migrations
# (scripts/build-standalone.ts). No TypeScript, tsx or dev dependencies at run time.

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
RUN rm -rf .npm-offline \
 && DATABASE_URL=postgres://build:build@127.0.0.1:1/build npx prisma generate >/dev/null \
 && NC_STANDALONE=1 NEXT_TELEMETRY_DISABLED=1 npx next build \
 && npx tsx scripts/build-standalone.ts

FROM node:20-bookworm-slim AS runtime
# Only nebula-cert is taken from Debian's nebula package: the app signs, it never runs the daemon.
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates \
 && cd /tmp && apt-get download nebula && dpkg-deb -x nebula_*.deb /tmp/nebula \
 && install -m 0755 /tmp/nebula/usr/bin/nebula-cert /usr/bin/nebula-cert \
 && rm -rf /tmp/nebula /tmp/nebula_*.deb \
 && apt-get clean && rm -rf /var/lib/apt/lists/* /var/cache/apt/* \
 && useradd --system --uid 10001 --create-home --home-dir /home/nc --shell /usr/sbin/nologin nc
WORKDIR /app
# The code belongs to root and is only readable by the app's user, so a compromised process cannot
# rewrite it; Next's runtime cache is the one place it may write.
COPY --from=build /app/.next/standalone ./
RUN mkdir -p .next/cache && chown nc:nc .next/cache
USER nc
ENV NODE_ENV=production PORT=3000 HOST=0.0.0.0 NEXT_TELEMETRY_DISABLED=1 NEBULA_CERT_BIN=/usr/bin/nebula-cert
EXPOSE 3000
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s \
  CMD node -e "fetch('http://127.0.0.1:3000/api/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"
# Migrations first, under an advisory lock (several replicas may start together), then the server,
# exec'd so that it receives docker's SIGTERM itself. (`npm run -s migrate` and `npm run -s start`
# run the same two commands; `npm run -s rotate-master-key` is there for operators.)
CMD ["sh", "-c", "node scripts/migrate.mjs && exec node server.mjs"]
