#!/usr/bin/env bash
# Restores a backup made by deploy/backup.sh into the compose stack, replacing what is there:
#   deploy/restore.sh <backup file> [--passphrase-file FILE]
# The app and Keycloak are stopped while both databases are replaced, then started again (the
# script returns once they are healthy). Each
# dump is restored into a new database first and swapped in only when both restored cleanly, so
# a restore that fails changes nothing; a restored database holds exactly what was backed up
# (the app migrates it forward at start if it came from an older release). The stack's .env must hold the
# NC_MASTER_KEY that was in use when the backup was made: the CA keys are sealed with it.
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -ge 1 ] || { echo "usage: $0 <backup file> [--passphrase-file FILE]" >&2; exit 2; }
file="$1"; shift
passfile=""
while [ $# -gt 0 ]; do
  case "$1" in
    --passphrase-file) passfile="$2"; shift 2 ;;
    *) echo "usage: $0 <backup file> [--passphrase-file FILE]" >&2; exit 2 ;;
  esac
done
[ -s "$file" ] || { echo "$file: no such backup" >&2; exit 1; }

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
umask 077
case "$file" in
  *.gpg)
    [ -s "$passfile" ] || { echo "$file is encrypted: give --passphrase-file" >&2; exit 2; }
    gpg --batch --quiet --pinentry-mode loopback --passphrase-file "$passfile" --decrypt "$file" | tar -C "$work" -xf - ;;
  *) tar -C "$work" -xf "$file" ;;
esac
grep -q '^nebula-commander-backup 1$' "$work/BACKUP" 2>/dev/null || { echo "$file is not a Nebula Commander backup" >&2; exit 1; }

docker compose up -d --wait postgres
docker compose stop app keycloak
# Back up as .env describes the stack, and only done when every service is healthy again.
restart() { docker compose up -d --wait; }
# On any failure before the swap nothing was replaced: bring the stack back as it was.
trap 'rm -rf "$work"; echo "restore failed; the data in use was not changed" >&2; restart' ERR
psql() { docker compose exec -T postgres psql --username nebula --dbname postgres -v ON_ERROR_STOP=1 --quiet "$@"; }
for db in nebula keycloak; do
  echo "restoring $db" >&2
  owner=nebula; [ "$db" = keycloak ] && owner=keycloak
  psql -c "DROP DATABASE IF EXISTS ${db}_restoring" -c "CREATE DATABASE ${db}_restoring OWNER $owner"
  docker compose exec -T postgres pg_restore --username nebula --dbname "${db}_restoring" --single-transaction --exit-on-error < "$work/$db.dump"
done
psql <<'SQL'
BEGIN;
ALTER DATABASE nebula RENAME TO nebula_replaced;
ALTER DATABASE nebula_restoring RENAME TO nebula;
ALTER DATABASE keycloak RENAME TO keycloak_replaced;
ALTER DATABASE keycloak_restoring RENAME TO keycloak;
COMMIT;
DROP DATABASE nebula_replaced;
DROP DATABASE keycloak_replaced;
SQL
trap - ERR
restart
echo "restored $file" >&2
