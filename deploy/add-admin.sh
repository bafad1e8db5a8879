#!/usr/bin/env bash
# Creates a Nebula Commander administrator in the compose stack's Keycloak (realm "nebula", realm
# role nebula-admin) and prints a one-time password, which Keycloak makes them change at the first
# sign-in. Run it from the folder of docker-compose.yml, with the stack up:
#   deploy/add-admin.sh <username> <email> [--name "First Last"] [--role-less]
# --role-less makes an ordinary user instead (they can create networks of their own). The name is
# what the app shows (Keycloak's profile needs one); it defaults to "Nebula Admin" / "Nebula User".
set -euo pipefail
cd "$(dirname "$0")/.."
usage() { echo "usage: $0 <username> <email> [--name \"First Last\"] [--role-less]" >&2; exit 2; }
[ $# -ge 2 ] || usage
username="$1" email="$2" role=nebula-admin name=""
shift 2
while [ $# -gt 0 ]; do
  case "$1" in
    --role-less) role=""; shift ;;
    --name) [ $# -ge 2 ] || usage; name="$2"; shift 2 ;;
    *) usage ;;
  esac
done
[ -n "$name" ] || name="Nebula $([ -n "$role" ] && echo Admin || echo User)"
first="${name%% *}" last="${name#* }"
[ "$last" != "$name" ] || last="-"
password="$(head -c 18 /dev/urandom | base64 | tr -d '\n/+=')"

# kcadm runs inside the Keycloak container and signs in with the bootstrap admin from that
# container's own environment, so no password appears on this machine's command lines.
kcadm() {
  docker compose exec -T -e NC_USERNAME="$username" -e NC_EMAIL="$email" -e NC_PASSWORD="$password" -e NC_ROLE="$role" -e NC_FIRST="$first" -e NC_LAST="$last" keycloak bash -c "$1"
}
kcadm '
set -euo pipefail
k=/opt/keycloak/bin/kcadm.sh
cfg=$(mktemp)
trap "rm -f $cfg" EXIT
$k config credentials --config "$cfg" --server http://127.0.0.1:8080 --realm master --user "$KC_BOOTSTRAP_ADMIN_USERNAME" --password "$KC_BOOTSTRAP_ADMIN_PASSWORD" >/dev/null 2>&1 \
  || { echo "cannot sign in to Keycloak as its bootstrap admin (is it up and healthy?)" >&2; exit 1; }
id=$($k create users --config "$cfg" -r nebula -s username="$NC_USERNAME" -s email="$NC_EMAIL" -s firstName="$NC_FIRST" -s lastName="$NC_LAST" -s enabled=true -s emailVerified=true -i)
# All or nothing: a user left without its password or role would be a trap.
trap "$k delete users/$id --config $cfg -r nebula >/dev/null 2>&1; rm -f $cfg" ERR
$k set-password --config "$cfg" -r nebula --userid "$id" --new-password "$NC_PASSWORD" --temporary
if [ -n "$NC_ROLE" ]; then $k add-roles --config "$cfg" -r nebula --uid "$id" --rolename "$NC_ROLE"; fi
'
echo "created $username${role:+ ($role)} in Keycloak; one-time password (changed at the first sign-in):"
echo "$password"
