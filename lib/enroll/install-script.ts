/**
 * The Linux one-liner's script: POSIX sh that needs only curl and the nebula binaries. It makes the
 * key pair on the host, enrolls, writes /etc/nebula, and installs a small poller that keeps the
 * files current (SIGHUP for reloadable changes, restart when tun or listen changed).
 */

/** Single-quoted for sh: the only character that needs care inside '...' is ' itself. */
function shQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

export function installScript(server: string, token: string, networkName: string): string {
  return `#!/bin/sh
# Nebula Commander: enroll this host into "${networkName.replace(/[^A-Za-z0-9 ._-]/g, "?")}".
# Usage: curl -fsSL ${server}/join/<token>/install.sh | sudo sh
# Environment: NC_DIR (default /etc/nebula), NC_HOSTNAME (default: hostname), NC_NO_SERVICE=1 to skip systemd.
set -eu
SERVER=${shQuote(server)}
TOKEN=${shQuote(token)}
DIR="\${NC_DIR:-/etc/nebula}"
NAME=$(printf '%s' "\${NC_HOSTNAME:-$(hostname)}" | tr 'A-Z' 'a-z')
NEBULA_CERT="\${NEBULA_CERT:-nebula-cert}"

fail() { echo "nebula-commander: $*" >&2; exit 1; }
command -v curl >/dev/null 2>&1 || fail "curl is required"
command -v "$NEBULA_CERT" >/dev/null 2>&1 || fail "nebula-cert is required (Debian/Ubuntu: apt-get install nebula)"
case "$NAME" in *[!a-z0-9.-]*|'') fail "hostname '$NAME' is not a valid DNS name; set NC_HOSTNAME" ;; esac

umask 077
mkdir -p "$DIR"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

# The private key is made here and never leaves this host.
"$NEBULA_CERT" keygen -out-key "$tmp/host.key" -out-pub "$tmp/host.pub"
pub=$(awk '{ printf "%s\\\\n", $0 }' "$tmp/host.pub")
printf '{"token":"%s","hostname":"%s","publicKeyPem":"%s"}' "$TOKEN" "$NAME" "$pub" > "$tmp/request.json"
code=$(curl -sS -o "$tmp/enroll.json" -w '%{http_code}' -H 'content-type: application/json' --data-binary @"$tmp/request.json" "$SERVER/api/v1/enroll") || fail "cannot reach $SERVER"
[ "$code" = 201 ] || fail "enrollment refused ($code): $(sed -n 's/.*"message":"\\([^"]*\\)".*/\\1/p' "$tmp/enroll.json")"
credential=$(sed -n 's/.*"credential":"\\([^"]*\\)".*/\\1/p' "$tmp/enroll.json")
[ -n "$credential" ] || fail "the server's answer had no credential"
mv "$tmp/host.key" "$DIR/host.key"
printf '%s\\n' "$credential" > "$DIR/nc-credential"
printf '%s\\n' "$SERVER" > "$DIR/nc-server"

cat > "$DIR/nc-poll.sh" <<'POLL'
#!/bin/sh
# Keeps $DIR current. Run as: nc-poll.sh <dir> [interval seconds]
set -u
DIR=$1; INTERVAL=\${2:-60}
SERVER=$(cat "$DIR/nc-server"); CRED=$(cat "$DIR/nc-credential")
section() { awk -v s="$1" '$0 ~ "^"s":" {on=1; print; next} /^[a-z_]+:/ {on=0} on' "$2" 2>/dev/null; }
fetch() { curl -sS -f -H "Authorization: Bearer $CRED" -o "$DIR/.$1.new" "$SERVER/api/v1/node/files/$1?dir=$DIR"; }
while :; do
  etag=$(cat "$DIR/.etag" 2>/dev/null || true)
  code=$(curl -sS -o "$DIR/.config.yml.new" -D "$DIR/.headers" -w '%{http_code}' -H "Authorization: Bearer $CRED" -H "If-None-Match: $etag" "$SERVER/api/v1/node/files/config.yml?dir=$DIR" 2>/dev/null || echo 000)
  if [ "$code" = 200 ] && fetch ca.crt && fetch host.crt; then
    restart=0
    for s in tun listen; do [ "$(section $s "$DIR/config.yml")" = "$(section $s "$DIR/.config.yml.new")" ] || restart=1; done
    mv "$DIR/.ca.crt.new" "$DIR/ca.crt"; mv "$DIR/.host.crt.new" "$DIR/host.crt"; mv "$DIR/.config.yml.new" "$DIR/config.yml"
    sed -n 's/^[Ee][Tt][Aa][Gg]: *\\(.*\\)\\r$/\\1/p' "$DIR/.headers" > "$DIR/.etag"
    if [ $restart = 1 ]; then systemctl restart nebula 2>/dev/null || true; else systemctl reload nebula 2>/dev/null || true; fi
  elif [ "$code" = 401 ]; then
    echo "nc-poll: the credential was refused (node blocked?); keeping the current config" >&2
  fi
  sleep "$INTERVAL"
done
POLL
chmod 700 "$DIR/nc-poll.sh"
DIR="$DIR" sh -c '
  cd "$DIR" && SERVER=$(cat nc-server) && CRED=$(cat nc-credential) &&
  for f in config.yml ca.crt host.crt; do curl -sS -f -H "Authorization: Bearer $CRED" -o "$f" "$SERVER/api/v1/node/files/$f?dir=$DIR" || exit 1; done
' || echo "nebula-commander: enrolled, but the node is waiting for approval; run $DIR/nc-poll.sh $DIR once approved" >&2

if [ "\${NC_NO_SERVICE:-0}" != 1 ] && command -v systemctl >/dev/null 2>&1; then
  cat > /etc/systemd/system/nc-poll.service <<UNIT
[Unit]
Description=Nebula Commander config poller
After=network-online.target
[Service]
ExecStart=$DIR/nc-poll.sh $DIR 60
Restart=always
[Install]
WantedBy=multi-user.target
UNIT
  systemctl daemon-reload && systemctl enable --now nc-poll.service >/dev/null 2>&1 || true
  systemctl enable --now nebula >/dev/null 2>&1 || true
fi
echo "nebula-commander: enrolled as $NAME; files in $DIR"
`;
}
