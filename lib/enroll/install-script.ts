/**
 * The Linux one-liner's script: POSIX sh that needs only curl and nebula. It makes the key pair on
 * the host, enrolls, installs the POSIX agent (sh-agent.ts) and starts it: under systemd as a unit
 * of its own (survives reboots), otherwise in the background with a pidfile, or in the foreground
 * on request. It ends only once nebula runs the applied config, and every failure prints the
 * server's reason, exits non-zero and leaves nothing behind.
 *
 * Like the agent, the source is kept free of "${" and backticks, with @@PLACEHOLDERS@@.
 */
import { EXIT } from "@/lib/agent/protocol";
import { UNUSABLE_LINK_TEXT } from "./join-messages";
import { shAgentSource } from "./sh-agent";

/** Single-quoted for sh: the only character that needs care inside '...' is ' itself. */
export function shQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

const SOURCE = String.raw`#!/bin/sh
# Nebula Commander: enroll this host into @@NETWORK_COMMENT@@ and keep it current.
#
#   curl -fsSL @@SERVER@@/join/<token>/install.sh | sudo sh        (or | sh as root)
#   curl -fsSL ... | sudo sh -s -- --hostname web1 --dir /etc/nebula
#
# Options (environment variables in brackets):
#   --hostname NAME   the node's name in the network   [NC_HOSTNAME]   default: this host's name
#   --dir DIR         where nebula's files live        [NC_DIR]        default: /etc/nebula
#   --replace         replace the node this host is already enrolled as (it is deleted)
#   --no-service      do not install a systemd unit    [NC_NO_SERVICE=1]
#   --foreground      run the agent in this terminal instead of in the background
#   --insecure-http   allow a server whose URL is plain http
# Needs root, curl, nebula and nebula-cert (Debian/Ubuntu: apt-get install nebula).
# Exit codes: 0 enrolled and nebula running, 1 failed (nothing is left behind), 2 bad usage.
SERVER=@@SERVER_Q@@
TOKEN=@@TOKEN_Q@@

say() { printf 'nebula-commander: %s\n' "$*"; }
ENROLLED=
CREATED_DIR=
TMP=
cleanup() {
  [ -z "$TMP" ] || rm -rf "$TMP"
  # Until the enrollment is complete, nothing of this run stays on the host.
  if [ -z "$ENROLLED" ] && [ -n "$CREATED_DIR" ]; then rm -rf "$DIR"; fi
}
fail() { printf 'nebula-commander: %s\n' "$*" >&2; cleanup; exit 1; }
usage() {
  sed -n '5,17s/^# \{0,1\}//p' "$0" 2>/dev/null | grep . >&2 || echo "usage: ... | sh -s -- [--hostname NAME] [--dir DIR] [--replace] [--no-service] [--foreground] [--insecure-http]" >&2
  exit 2
}
json_str() { sed -n 's/.*"'"$1"'":"\(\([^"\\]\|\\.\)*\)".*/\1/p' "$2" | head -n 1 | sed 's/\\"/"/g; s/\\\\/\\/g'; }
json_field_error() { sed -n 's/.*"'"$1"'":\["\(\([^"\\]\|\\.\)*\)".*/\1/p' "$2" | head -n 1 | sed 's/\\"/"/g; s/\\\\/\\/g'; }

DIR=$NC_DIR
NAME=$NC_HOSTNAME
NO_SERVICE=$NC_NO_SERVICE
REPLACE=
FOREGROUND=
INSECURE=
while [ $# -gt 0 ]; do
  case "$1" in
    --hostname|--dir)
      if [ $# -lt 2 ]; then say "$1 needs a value" >&2; exit 2; fi
      if [ "$1" = --hostname ]; then NAME=$2; else DIR=$2; fi
      shift 2 ;;
    --hostname=*) NAME=$(printf '%s' "$1" | cut -d= -f2-); shift ;;
    --dir=*) DIR=$(printf '%s' "$1" | cut -d= -f2-); shift ;;
    --replace) REPLACE=1; shift ;;
    --no-service) NO_SERVICE=1; shift ;;
    --foreground) FOREGROUND=1; shift ;;
    --insecure-http) INSECURE=1; shift ;;
    -h|--help) usage ;;
    *) say "unknown option: $1" >&2; usage ;;
  esac
done
[ -n "$DIR" ] || DIR=/etc/nebula
DIR=$(printf '%s' "$DIR" | sed 's:/*$::')
[ -n "$NAME" ] || NAME=$(hostname 2>/dev/null || cat /etc/hostname 2>/dev/null)
NAME=$(printf '%s' "$NAME" | tr 'A-Z' 'a-z')
case "$DIR" in
  /*[!A-Za-z0-9._/-]*|'') fail "--dir must be an absolute path of letters, digits, dots, dashes and slashes" ;;
  /*) ;;
  *) fail "--dir must be an absolute path" ;;
esac
case "$NAME" in
  *[!a-z0-9.-]*|''|-*|.*) fail "'$NAME' is not a valid host name (letters, digits, dots and dashes); pass another with --hostname NAME" ;;
esac
[ "$NO_SERVICE" = 1 ] || [ "$NO_SERVICE" = true ] || NO_SERVICE=

[ "$(id -u)" = 0 ] || fail "run this as root: nebula needs root for its tun device (pipe it to 'sudo sh' instead of 'sh')"
case "$SERVER" in
  https://*) PROTO='=https' ;;
  http://*)
    [ -n "$INSECURE" ] || fail "$SERVER is plain http, so the node's credential would cross the network unencrypted. Ask for an https link, or run again with --insecure-http (... | sh -s -- --insecure-http) if you accept that."
    PROTO='=http,https' ;;
esac
command -v curl >/dev/null 2>&1 || fail "curl is required"
NEBULA=$(command -v nebula) || fail "nebula is required (Debian/Ubuntu: apt-get install nebula)"
NEBULA_CERT=$(command -v nebula-cert) || fail "nebula-cert is required (Debian/Ubuntu: apt-get install nebula)"
UNIT=nc-agent
[ "$DIR" = /etc/nebula ] || UNIT="nc-agent-$(printf '%s' "$DIR" | tr -c 'A-Za-z0-9\n' '-' | sed 's/^-*//')"

# A host that is already enrolled is never taken over silently.
if [ -f "$DIR/nc-agent.conf" ] || [ -f "$DIR/agent.json" ]; then
  if [ -f "$DIR/nc-agent.conf" ]; then
    OLD_NAME=$(sed -n "s/^NODE_NAME='\(.*\)'$/\1/p" "$DIR/nc-agent.conf")
    OLD_IP=$(sed -n "s/^NODE_IP='\(.*\)'$/\1/p" "$DIR/nc-agent.conf")
    OLD_SERVER=$(sed -n "s/^SERVER='\(.*\)'$/\1/p" "$DIR/nc-agent.conf")
    OLD_CREDENTIAL=$(cat "$DIR/nc-credential" 2>/dev/null)
  else
    OLD_NAME=$(json_str name "$DIR/agent.json")
    OLD_IP=$(json_str ip "$DIR/agent.json")
    OLD_SERVER=$(json_str server "$DIR/agent.json")
    OLD_CREDENTIAL=$(json_str credential "$DIR/agent.json")
  fi
  if [ -z "$REPLACE" ]; then
    fail "this host is already enrolled in $DIR as node '$OLD_NAME' ($OLD_IP) of $OLD_SERVER. Nothing was changed. To replace that node, run the same command with --replace (the old node is deleted from its network), or use another --dir."
  fi
  say "replacing node '$OLD_NAME' ($OLD_IP)"
  if [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1; then systemctl disable --now "$UNIT" >/dev/null 2>&1; fi
  for f in agent.pid nebula.pid; do
    p=$(cat "$DIR/$f" 2>/dev/null)
    if [ -n "$p" ] && kill -0 "$p" 2>/dev/null; then
      kill -TERM "$p" 2>/dev/null
      i=0
      while kill -0 "$p" 2>/dev/null && [ "$i" -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
    fi
  done
  if [ -n "$OLD_CREDENTIAL" ]; then
    TMP=$(mktemp -d) || fail "cannot make a temporary directory"
    printf 'Authorization: Bearer %s\n' "$OLD_CREDENTIAL" > "$TMP/auth"
    code=$(curl -sS --proto "$PROTO" --max-time 30 -o "$TMP/retire.json" -w '%{http_code}' -X POST -H @"$TMP/auth" "$OLD_SERVER/api/v1/node/retire" 2>/dev/null) || code=000
    case "$code" in
      200|204|410) say "deleted the old node '$OLD_NAME' from its network" ;;
      *) say "could not delete the old node '$OLD_NAME' ($code: $(json_str message "$TMP/retire.json")); delete it in the app" >&2 ;;
    esac
    rm -rf "$TMP"
    TMP=
  fi
  (cd "$DIR" && rm -rf agent.json agent.pid nc-agent.conf nc-credential nc-agent.sh host.key host.crt ca.crt config.yml nebula.pid nebula.exit .fetched .applied .applied-key .applied-rev .ondisk .last-error .last-poll .poll-seconds .request-headers .incoming .previous)
fi

umask 077
[ -d "$DIR" ] || CREATED_DIR=1
TMP=$(mktemp -d) || fail "cannot make a temporary directory"
trap 'cleanup' EXIT
trap 'cleanup; exit 130' INT TERM

# The private key is made here and never leaves this host.
"$NEBULA_CERT" keygen -out-key "$TMP/host.key" -out-pub "$TMP/host.pub" >/dev/null 2>&1 || fail "nebula-cert keygen failed"
printf '{"token":"%s","hostname":"%s","publicKeyPem":"%s"}' "$TOKEN" "$NAME" "$(awk '{ printf "%s\\n", $0 }' "$TMP/host.pub")" > "$TMP/request.json"
code=$(curl -sS --proto "$PROTO" --max-time 60 -o "$TMP/answer.json" -w '%{http_code}' -H 'content-type: application/json' --data-binary @"$TMP/request.json" "$SERVER/api/v1/enroll" 2>"$TMP/curl.err") \
  || fail "cannot reach $SERVER: $(tr '\n' ' ' < "$TMP/curl.err")"
if [ "$code" != 201 ]; then
  taken=$(json_field_error hostname "$TMP/answer.json")
  [ -z "$taken" ] || fail "$taken. Pick another name: run the same command again ending in --hostname <name> (after sh -s --), for example: ... | sh -s -- --hostname $NAME-2"
  message=$(json_str message "$TMP/answer.json")
  [ "$code" != 404 ] || fail "@@UNUSABLE@@"
  fail "enrollment refused ($code): $message"
fi
CREDENTIAL=$(json_str credential "$TMP/answer.json")
NODE_NAME=$(json_str name "$TMP/answer.json")
NODE_IP=$(json_str ip "$TMP/answer.json")
NODE_STATUS=$(json_str status "$TMP/answer.json")
NETWORK_NAME=$(json_str networkName "$TMP/answer.json" | tr -d "'")
[ -n "$CREDENTIAL" ] || fail "the server's answer had no credential"

mkdir -p "$DIR" && chmod 700 "$DIR" || fail "cannot create $DIR"
cp "$TMP/host.key" "$DIR/host.key" && chmod 600 "$DIR/host.key" || fail "cannot write $DIR/host.key"
printf '%s\n' "$CREDENTIAL" > "$DIR/nc-credential"
cat > "$DIR/nc-agent.conf" <<CONF
SERVER='$SERVER'
INSECURE_HTTP='$INSECURE'
NODE_NAME='$NODE_NAME'
NODE_IP='$NODE_IP'
NETWORK_NAME='$NETWORK_NAME'
NEBULA='$NEBULA'
NEBULA_CERT='$NEBULA_CERT'
CONF
cat > "$DIR/nc-agent.sh" <<'NC_AGENT_SH'
@@AGENT@@
NC_AGENT_SH
chmod 700 "$DIR/nc-agent.sh"
ENROLLED=1
say "enrolled as $NODE_NAME ($NODE_IP) in \"$NETWORK_NAME\""

if [ -n "$FOREGROUND" ]; then
  say "running the agent in the foreground: it starts nebula and keeps $DIR current; Ctrl-C stops both"
  rm -rf "$TMP"
  trap - EXIT INT TERM
  exec sh "$DIR/nc-agent.sh" run "$DIR"
fi

if [ -z "$NO_SERVICE" ] && [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1; then
  MODE=systemd
  cat > "/etc/systemd/system/$UNIT.service" <<UNITFILE
[Unit]
Description=Nebula Commander agent for $DIR (runs nebula and keeps it current)
Wants=network-online.target
After=network-online.target

[Service]
ExecStart=/bin/sh $DIR/nc-agent.sh run $DIR
Restart=on-failure
RestartSec=5
# @@EXIT_BLOCKED@@: the node was blocked, @@EXIT_GONE@@: it was deleted. Restarting cannot help either.
RestartPreventExitStatus=@@EXIT_BLOCKED@@ @@EXIT_GONE@@

[Install]
WantedBy=multi-user.target
UNITFILE
  chmod 644 "/etc/systemd/system/$UNIT.service"
  systemctl daemon-reload && systemctl enable --now "$UNIT.service" >"$TMP/systemctl.out" 2>&1 \
    || fail "enrolled, but systemd did not start $UNIT.service: $(tr '\n' ' ' < "$TMP/systemctl.out"). See: systemctl status $UNIT"
else
  MODE=background
  # No systemd (a container, a namespace, another init): the agent runs detached, with a pidfile.
  if command -v setsid >/dev/null 2>&1; then
    setsid sh "$DIR/nc-agent.sh" run "$DIR" </dev/null >>"$DIR/agent.log" 2>&1 &
  else
    nohup sh "$DIR/nc-agent.sh" run "$DIR" </dev/null >>"$DIR/agent.log" 2>&1 &
  fi
fi

if [ "$NODE_STATUS" = pending ]; then
  say "an administrator must approve this node; the agent starts nebula as soon as that happens"
else
  # Done means done: nebula runs the config the agent applied, or the reason is on screen.
  i=0
  while [ "$i" -lt 60 ] && [ ! -s "$DIR/.applied" ] && [ ! -s "$DIR/.last-error" ]; do sleep 0.5; i=$((i + 1)); done
  if [ ! -s "$DIR/.applied" ]; then
    reason=$(cat "$DIR/.last-error" 2>/dev/null)
    [ -n "$reason" ] || reason="nothing applied within 30 s"
    if [ "$MODE" = systemd ]; then where="journalctl -u $UNIT"; else where="$DIR/agent.log"; fi
    printf 'nebula-commander: enrolled as %s, but nebula is not running the config: %s. The agent keeps trying; see %s and %s/nebula.log\n' "$NODE_NAME" "$reason" "$where" "$DIR" >&2
    exit 1
  fi
  say "nebula is running (pid $(cat "$DIR/nebula.pid" 2>/dev/null)) with revision $(cat "$DIR/.applied-rev" 2>/dev/null) applied"
fi
if [ "$MODE" = systemd ]; then
  say "the agent runs as the systemd unit $UNIT.service and starts at boot. Status: sh $DIR/nc-agent.sh status; logs: journalctl -u $UNIT"
else
  say "no systemd here, so the agent runs in the background: pid $(cat "$DIR/agent.pid" 2>/dev/null), pidfile $DIR/agent.pid, log $DIR/agent.log."
  say "it does not start again after a reboot: have your init system run 'sh $DIR/nc-agent.sh run $DIR'."
  say "status: sh $DIR/nc-agent.sh status; stop (nebula too): kill \$(cat $DIR/agent.pid)"
fi
exit 0
`;

const unusableSource = String.raw`#!/bin/sh
# Nebula Commander: this join link cannot be used.
printf 'nebula-commander: %s\n' "@@UNUSABLE@@" >&2
exit 1
`;

function fill(source: string, values: Record<string, string>): string {
  return source.replace(/@@([A-Z_]+)@@/g, (_, name: string) => {
    const v = values[name];
    if (v === undefined) throw new Error(`install.sh: no value for @@${name}@@`);
    return v;
  });
}

/** Inside double quotes in sh: the shared text holds no ", $, ` or \. */
const unusableInDoubleQuotes = UNUSABLE_LINK_TEXT.replace(/["$`\\]/g, "");

export function installScript(server: string, token: string, networkName: string): string {
  return fill(SOURCE, {
    NETWORK_COMMENT: `"${networkName.replace(/[^A-Za-z0-9 ._-]/g, "?")}"`,
    SERVER: server,
    SERVER_Q: shQuote(server),
    TOKEN_Q: shQuote(token),
    UNUSABLE: unusableInDoubleQuotes,
    EXIT_BLOCKED: String(EXIT.blocked),
    EXIT_GONE: String(EXIT.gone),
    // Last: the agent's own text is not searched for placeholders again.
    AGENT: "@@AGENT@@",
  }).replace("@@AGENT@@", () => shAgentSource().trimEnd());
}

/** What an unusable link's install.sh says: the join page's words, and exit 1. */
export function unusableLinkScript(): string {
  return fill(unusableSource, { UNUSABLE: unusableInDoubleQuotes });
}
