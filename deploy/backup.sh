#!/usr/bin/env bash
# A consistent backup of the compose stack's data: pg_dump (custom format; each database is dumped
# from one snapshot while the app keeps running) of the app's database and of Keycloak's, in one
# tar file under backups/ (or --out DIR). With --encrypt, the tar is encrypted with gpg (AES-256)
# under the passphrase in --passphrase-file, and no unencrypted copy touches the disk.
#   deploy/backup.sh [--out DIR] [--encrypt --passphrase-file FILE]
# The master key (NC_MASTER_KEY in .env) is NOT in the backup; keep it apart from the backups.
# Prints the backup file's path.
set -euo pipefail
cd "$(dirname "$0")/.."
out=backups encrypt=0 passfile=""
while [ $# -gt 0 ]; do
  case "$1" in
    --out) out="$2"; shift 2 ;;
    --encrypt) encrypt=1; shift ;;
    --passphrase-file) passfile="$2"; shift 2 ;;
    *) echo "usage: $0 [--out DIR] [--encrypt --passphrase-file FILE]" >&2; exit 2 ;;
  esac
done
if [ "$encrypt" = 1 ] && [ ! -s "$passfile" ]; then echo "--encrypt needs --passphrase-file with a passphrase in it" >&2; exit 2; fi

umask 077
mkdir -p "$out"
stamp="$(date -u +%Y%m%dT%H%M%SZ)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
for db in nebula keycloak; do
  docker compose exec -T postgres pg_dump --username nebula --dbname "$db" --format custom --compress 6 > "$work/$db.dump"
  # A dump that pg_restore cannot list is no backup.
  docker compose exec -T postgres pg_restore --list < "$work/$db.dump" > /dev/null
done
printf 'nebula-commander-backup 1\ncreated %s\n' "$stamp" > "$work/BACKUP"
if [ "$encrypt" = 1 ]; then
  file="$out/nc-backup-$stamp.tar.gpg"
  tar -C "$work" -cf - BACKUP nebula.dump keycloak.dump \
    | gpg --batch --quiet --yes --pinentry-mode loopback --passphrase-file "$passfile" --symmetric --cipher-algo AES256 --output "$file.part"
else
  file="$out/nc-backup-$stamp.tar"
  tar -C "$work" -cf "$file.part" BACKUP nebula.dump keycloak.dump
fi
mv "$file.part" "$file"
echo "$file"
