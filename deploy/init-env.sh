#!/usr/bin/env bash
# Writes .env for docker-compose.yml from .env.example, with every empty secret filled in from
# the kernel's random source, readable by its owner only. Refuses to overwrite an existing .env
# (its master key seals your CA keys). Settings may be given as arguments:
#   deploy/init-env.sh NC_PUBLIC_URL=https://nebula.example.com NC_SITE=nebula.example.com
set -euo pipefail
cd "$(dirname "$0")/.."
env_file="${NC_ENV_FILE:-.env}"
if [ -e "$env_file" ]; then
  echo "$env_file already exists; not touching it (it holds the master key that seals your CA keys)." >&2
  exit 1
fi
secret() { head -c "$1" /dev/urandom | base64 | tr -d '\n'; }
# URL-safe: these end up inside connection URLs.
password() { head -c 24 /dev/urandom | base64 | tr -d '\n/+='; }

declare -A given=()
for kv in "$@"; do
  case "$kv" in
    [A-Z_]*=*) given["${kv%%=*}"]="${kv#*=}" ;;
    *) echo "usage: $0 [NAME=value ...]" >&2; exit 2 ;;
  esac
done

umask 077
tmp="$(mktemp "$env_file.XXXXXX")"
trap 'rm -f "$tmp"' EXIT
while IFS= read -r line || [ -n "$line" ]; do
  name="${line%%=*}"
  if [[ "$line" =~ ^[A-Z_]+= ]] && [ -n "${given[$name]+x}" ]; then
    line="$name=${given[$name]}"; unset "given[$name]"
  fi
  case "$line" in
    NC_MASTER_KEY=) line="NC_MASTER_KEY=$(secret 32)" ;;
    NEXTAUTH_SECRET=) line="NEXTAUTH_SECRET=$(secret 48)" ;;
    POSTGRES_PASSWORD= | KEYCLOAK_DB_PASSWORD= | NC_KEYCLOAK_CLIENT_SECRET= | KC_BOOTSTRAP_ADMIN_PASSWORD= | METRICS_TOKEN=)
      line="$line$(password)" ;;
  esac
  printf '%s\n' "$line"
done < .env.example > "$tmp"
for name in "${!given[@]}"; do printf '%s=%s\n' "$name" "${given[$name]}" >> "$tmp"; done
mv "$tmp" "$env_file"
trap - EXIT
echo "wrote $env_file (mode 0600). Keep a copy of its NC_MASTER_KEY apart from your backups." >&2
