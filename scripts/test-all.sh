#!/usr/bin/env bash
# `npm test`: everything from a fresh clone. Installs what is missing (idempotently), checks
# lint and types, then hands over to scripts/run-tests.ts, which starts and stops the services.
set -euo pipefail
cd "$(dirname "$0")/.."
export NEXT_TELEMETRY_DISABLED=1 CI="${CI:-}"

bash scripts/install-system-deps.sh

# npm ci only when the lockfile changed since the last install.
lock_hash=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ ! -f node_modules/.nc-lock-hash ] || [ "$(cat node_modules/.nc-lock-hash)" != "$lock_hash" ]; then
  echo "[test] npm ci"
  npm ci --no-audit --no-fund
  echo "$lock_hash" > node_modules/.nc-lock-hash
fi
# npm 11 does not run install scripts, so Prisma's client is generated explicitly. Without a
# DATABASE_URL the 6.19 CLI tries to download engines, so it gets a placeholder (nothing connects).
DATABASE_URL="${DATABASE_URL:-postgres://placeholder:x@127.0.0.1:1/none}" npx prisma generate >/dev/null

export NEBULA_CURRENT_DIR="$(bash scripts/build-nebula.sh)"
export KEYCLOAK_DIR="$PWD/$(bash scripts/fetch-keycloak.sh)"
export SCHEMATHESIS_BIN="$(bash scripts/install-schemathesis.sh)"

echo "[test] lint"
npm run -s lint
echo "[test] typecheck"
npm run -s typecheck

exec npx tsx scripts/run-tests.ts
