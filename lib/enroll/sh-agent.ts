/**
 * The one-liner's host agent: POSIX sh that needs only curl and nebula, for hosts without Node.
 * It speaks nc-agent's protocol (lib/agent/protocol.ts) and makes the same decisions: every bundle
 * is checked with `nebula -test` and rolled back when refused; it is applied with SIGHUP unless
 * the server's restart key changed; nebula is supervised with the same reading of its exits; and
 * every poll reports what nebula applied, not just what was downloaded.
 *
 * The credential never appears in a command line: curl reads it from a 0600 header file (-H @file).
 *
 * The source is kept free of "${" and backticks, so it can live in String.raw with @@PLACEHOLDERS@@.
 */
import { ANSWER_HEADERS, AGENT_VERSION, BLOCKED_MESSAGE, EXIT, GONE_MESSAGE, LONG_POLL_MAX_SECONDS, POLL_SECONDS_MAX, POLL_SECONDS_MIN, PREFERENCE_APPLIED_HEADER, REPORT_HEADERS } from "@/lib/agent/protocol";

const SOURCE = String.raw`#!/bin/sh
# nc-agent-sh @@VERSION@@: keeps this host's nebula running and current (Nebula Commander).
#   sh nc-agent.sh run [DIR]     poll the server, apply changes, supervise nebula (foreground)
#   sh nc-agent.sh status [DIR]  what this host runs
# DIR defaults to the directory of this script. Exit codes: 0 ok, 1 failed, 2 usage,
# @@EXIT_BLOCKED@@ the node was blocked, @@EXIT_GONE@@ the node was deleted (systemd does not restart on those).
umask 077
CMD=$1
DIR=$2
[ -n "$DIR" ] || DIR=$(cd "$(dirname "$0")" && pwd)
if [ ! -f "$DIR/nc-agent.conf" ]; then echo "nc-agent-sh: $DIR holds no enrollment" >&2; exit 1; fi
. "$DIR/nc-agent.conf"
AGENT_ID="nc-agent-sh/@@VERSION@@"

log() { printf '%s nc-agent-sh: %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$*"; }
get() { cat "$DIR/$1" 2>/dev/null; }
# State files are replaced atomically (temp file, then rename in the same directory).
put() { printf '%s\n' "$2" > "$DIR/.$1.tmp" && mv -f "$DIR/.$1.tmp" "$DIR/$1"; }
set_error() { put .last-error "$(printf '%s' "$*" | tr -c ' -~' ' ' | cut -c1-300)"; log "$*"; }
clear_error() { rm -f "$DIR/.last-error"; }
# The value of header $1 (lower case) in curl's -D dump $2.
header() { tr -d '\r' < "$2" | awk -v h="$1" 'index(tolower($0), h ": ") == 1 { v = substr($0, length(h) + 3) } END { print v }'; }
# The string value of the first "key":"..." in a JSON file, with \" and \\ undone.
json_str() { sed -n 's/.*"'"$1"'":"\(\([^"\\]\|\\.\)*\)".*/\1/p' "$2" | head -n 1 | sed 's/\\"/"/g; s/\\\\/\\/g'; }
PROTO='=https'
[ "$INSECURE_HTTP" = 1 ] && PROTO='=http,https'
# No -L: a redirect is an error, so the credential never leaves the server's origin.
fetch() { curl -sS --proto "$PROTO" --max-time 20 "$@"; }

binary_version() { "$NEBULA" -version 2>/dev/null | sed -n 's/.*\([0-9][0-9]*\.[0-9][0-9]*\.[0-9][0-9]*\).*/\1/p' | head -n 1; }

nebula_pid() { p=$(get nebula.pid); [ -n "$p" ] && kill -0 "$p" 2>/dev/null && echo "$p"; }
# Read like systemd's Restart=on-failure: a clean exit or SIGTERM/SIGINT (143/130) was someone
# stopping nebula on purpose, so it stays stopped; anything else is a crash, restarted on the next poll.
nebula_state() {
  if [ -n "$(nebula_pid)" ]; then echo running; return; fi
  case "$(get nebula.exit)" in ''|0|130|143) echo stopped ;; *) echo failed ;; esac
}
start_nebula() {
  rm -f "$DIR/nebula.pid" "$DIR/nebula.exit"
  # The version of the binary started now: a binary upgraded on disk runs only from the next start.
  put nebula.version "$(binary_version)"
  # A subshell waits for nebula so that its exit status is known; nebula.pid is nebula's own PID.
  (
    "$NEBULA" -config "$DIR/config.yml" </dev/null >>"$DIR/nebula.log" 2>&1 &
    p=$!
    echo "$p" > "$DIR/nebula.pid"
    wait "$p"
    echo "$?" > "$DIR/nebula.exit"
  ) &
  i=0
  while [ ! -s "$DIR/nebula.pid" ] && [ "$i" -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
  log "nebula started, pid $(get nebula.pid)"
}
stop_nebula() {
  p=$(nebula_pid)
  [ -n "$p" ] || return 0
  kill -TERM "$p" 2>/dev/null
  i=0
  while kill -0 "$p" 2>/dev/null && [ "$i" -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
  kill -0 "$p" 2>/dev/null && kill -KILL "$p" 2>/dev/null
  i=0
  while [ ! -e "$DIR/nebula.exit" ] && [ "$i" -lt 30 ]; do sleep 0.1; i=$((i + 1)); done
  rm -f "$DIR/nebula.pid" "$DIR/nebula.exit"
}
log_size() { wc -c < "$DIR/nebula.log" 2>/dev/null || echo 0; }
# After a SIGHUP or a start: is nebula still up, and did it log a reload error meanwhile?
settle() {
  sleep 1.5
  errs=$(tail -c +$(($1 + 1)) "$DIR/nebula.log" 2>/dev/null | grep -iE 'level=(error|fatal)' | grep -i 'reload\|level=fatal' | tail -n 2 | tr '\n' ' ' | cut -c1-250)
  if [ -z "$(nebula_pid)" ]; then echo "nebula exited (status $(get nebula.exit)) $errs"; return; fi
  [ -z "$errs" ] || echo "$errs"
}

write_request_headers() {
  {
    printf 'Authorization: Bearer %s\n' "$(get nc-credential)"
    f=$(get .fetched)
    [ -z "$f" ] || printf 'If-None-Match: %s\n' "$f"
    a=$(get .applied)
    printf '@@H_APPLIED@@: %s\n' "$([ -n "$a" ] && echo "$a" || echo none)"
    printf '@@H_NEBULA@@: %s\n' "$(nebula_state)"
    # The running nebula's version (the config is written for it), else the binary's as it is now.
    v=$([ -n "$(nebula_pid)" ] && get nebula.version)
    [ -n "$v" ] || v=$(binary_version)
    [ -z "$v" ] || printf '@@H_NEBULA_VERSION@@: %s\n' "$v"
    printf '@@H_AGENT@@: %s\n' "$AGENT_ID"
    e=$(get .last-error)
    [ -z "$e" ] || printf '@@H_ERROR@@: %s\n' "$e"
  } > "$DIR/.request-headers"
}

# Writes the bundle from .incoming, has nebula -test check it, then SIGHUP or (re)start.
apply_bundle() {
  etag=$1 key=$2 rev=$3
  rm -rf "$DIR/.previous" && mkdir -p "$DIR/.previous"
  for f in config.yml ca.crt host.crt; do [ ! -f "$DIR/$f" ] || cp -p "$DIR/$f" "$DIR/.previous/$f"; done
  chmod 644 "$DIR/.incoming/ca.crt" "$DIR/.incoming/host.crt"
  # Certificates first, config last: the config names the files, so it never leads them.
  mv -f "$DIR/.incoming/ca.crt" "$DIR/ca.crt"
  mv -f "$DIR/.incoming/host.crt" "$DIR/host.crt"
  mv -f "$DIR/.incoming/config.yml" "$DIR/config.yml"
  put .fetched "$etag"
  if ! out=$("$NEBULA" -test -config "$DIR/config.yml" 2>&1); then
    for f in config.yml ca.crt host.crt; do
      if [ -f "$DIR/.previous/$f" ]; then mv -f "$DIR/.previous/$f" "$DIR/$f"; else rm -f "$DIR/$f"; fi
    done
    set_error "nebula -test refused revision $rev: $(printf '%s' "$out" | tail -n 2 | tr '\n' ' ')"
    return 0
  fi
  put .ondisk "$etag"
  off=$(log_size)
  pid=$(nebula_pid)
  if [ -n "$pid" ] && [ -n "$(get .applied)" ] && [ "$(get .applied-key)" = "$key" ]; then
    kill -HUP "$pid"
    log "nebula reloaded with SIGHUP (pid $pid)"
  else
    stop_nebula
    start_nebula
  fi
  problem=$(settle "$off")
  if [ -n "$problem" ]; then set_error "nebula did not take revision $rev: $problem"; return 0; fi
  # .applied last: the one-liner waits for it and then reads the other two, so they must be there.
  put .applied-key "$key"
  put .applied-rev "$rev"
  put .applied "$etag"
  clear_error
  log "applied revision $rev"
  return 10
}

# A new key pair made here, signed by the server; the credential rotates with it.
renew() {
  t=$(mktemp -d) || return 1
  if ! "$NEBULA_CERT" keygen -out-key "$t/host.key" -out-pub "$t/host.pub" >/dev/null 2>&1; then rm -rf "$t"; set_error "renewal: nebula-cert keygen failed"; return 1; fi
  printf '{"publicKeyPem":"%s"}' "$(awk '{ printf "%s\\n", $0 }' "$t/host.pub")" > "$t/request.json"
  printf 'Authorization: Bearer %s\n' "$(get nc-credential)" > "$t/auth"
  code=$(fetch --max-time 60 -o "$t/answer.json" -w '%{http_code}' -H @"$t/auth" -H 'content-type: application/json' --data-binary @"$t/request.json" "$SERVER/api/v1/node/renew" 2>/dev/null) || code=000
  if [ "$code" != 200 ]; then set_error "renewal refused ($code): $(json_str message "$t/answer.json")"; rm -rf "$t"; return 1; fi
  cred=$(json_str credential "$t/answer.json")
  if [ -z "$cred" ]; then set_error "renewal: the server's answer had no credential"; rm -rf "$t"; return 1; fi
  put nc-credential "$cred"
  cp "$t/host.key" "$DIR/.host.key.new" && mv -f "$DIR/.host.key.new" "$DIR/host.key"
  rm -rf "$t"
  # The next poll (at once) fetches the certificate for the new key; same addresses, so SIGHUP.
  rm -f "$DIR/.fetched"
  log "certificate renewed with a new key pair"
  return 10
}

# One poll. Returns 0 (wait an interval), 10 (poll again at once), 1 (failed: back off),
# or the final exit codes for a blocked or deleted node.
poll_once() {
  if [ "$(nebula_state)" = failed ] && [ -n "$(get .ondisk)" ]; then
    off=$(log_size)
    start_nebula
    problem=$(settle "$off")
    if [ -n "$problem" ]; then set_error "nebula would not start again: $problem"; else put .applied "$(get .ondisk)"; clear_error; fi
  fi
  write_request_headers
  rm -rf "$DIR/.incoming" && mkdir -p "$DIR/.incoming"
  # A long poll: the server holds it until this host's config changes, for up to @@WAIT@@ s. Run in
  # the background and waited for, so that a TERM is handled at once rather than after the wait.
  started=$(date +%s)
  fetch --max-time @@WAIT_MAX_TIME@@ -H @"$DIR/.request-headers" -H 'Prefer: wait=@@WAIT@@' -D "$DIR/.incoming/config.yml.headers" -o "$DIR/.incoming/config.yml" -w '%{http_code}' "$SERVER/api/v1/node/files/config.yml?dir=$DIR" >"$DIR/.incoming/code" 2>"$DIR/.incoming/curl.err" &
  CURL_PID=$!
  wait "$CURL_PID"
  CURL_PID=
  code=$(cat "$DIR/.incoming/code" 2>/dev/null)
  [ -n "$code" ] || code=000
  put .last-poll "$(date -u +%Y-%m-%dT%H:%M:%SZ)"
  h="$DIR/.incoming/config.yml.headers"
  s=$(header @@A_POLL@@ "$h")
  case "$s" in ''|*[!0-9]*) ;; *)
    [ "$s" -ge @@POLL_MIN@@ ] || s=@@POLL_MIN@@
    [ "$s" -le @@POLL_MAX@@ ] || s=@@POLL_MAX@@
    put .poll-seconds "$s" ;;
  esac
  case "$code" in
    304|202)
      [ "$code" = 202 ] && log "waiting for an administrator to approve this node"
      # The server waited and nothing changed: poll again at once. An answer too fast to have
      # waited (a server shutting down) means: wait an interval.
      if [ -n "$(header @@A_PREF_APPLIED@@ "$h")" ] && [ $(($(date +%s) - started)) -ge 2 ]; then return 10; fi
      return 0 ;;
    200) ;;
    401) set_error "the server refused this node's credential (401): $(json_str message "$DIR/.incoming/config.yml") Keeping the current config."; return 1 ;;
    403) stop_nebula; set_error "@@BLOCKED@@"; return @@EXIT_BLOCKED@@ ;;
    410) stop_nebula; set_error "@@GONE@@"; return @@EXIT_GONE@@ ;;
    000) set_error "cannot reach $SERVER: $(tr '\n' ' ' < "$DIR/.incoming/curl.err") Keeping the current config."; return 1 ;;
    *) set_error "poll failed ($code): $(json_str message "$DIR/.incoming/config.yml") Keeping the current config."; return 1 ;;
  esac
  etag=$(header etag "$h")
  key=$(header @@A_RESTART@@ "$h")
  rev=$(header @@A_REVISION@@ "$h")
  due=$(header @@A_RENEWAL@@ "$h")
  for f in ca.crt host.crt; do
    c=$(fetch -H @"$DIR/.request-headers" -D "$DIR/.incoming/$f.headers" -o "$DIR/.incoming/$f" -w '%{http_code}' "$SERVER/api/v1/node/files/$f?dir=$DIR" 2>/dev/null) || c=000
    if [ "$c" != 200 ]; then set_error "could not fetch $f ($c)"; return 1; fi
    # All three files must come from one bundle; a change in between means: fetch again.
    if [ "$(header etag "$DIR/.incoming/$f.headers")" != "$etag" ]; then return 10; fi
  done
  apply_bundle "$etag" "$key" "$rev"
  applied=$?
  if [ "$due" = true ] && [ "$(get .applied)" = "$etag" ]; then renew; return $?; fi
  return $applied
}

jitter_sleep() {
  r=$(od -An -N2 -tu2 /dev/urandom | tr -d ' ')
  ms=$(($1 * (900 + r % 201)))
  # In the background and waited for, so that a TERM is handled at once rather than after the sleep.
  sleep "$((ms / 1000)).$(printf '%03d' $((ms % 1000)))" &
  wait $!
}

run() {
  trap '[ -n "$CURL_PID" ] && kill "$CURL_PID" 2>/dev/null; stop_nebula; rm -f "$DIR/agent.pid"; log "stopped"; exit 0' TERM INT
  CURL_PID=
  echo $$ > "$DIR/agent.pid"
  # A nebula left over from an agent that was killed is not ours to wait for: replace it.
  old=$(nebula_pid)
  if [ -n "$old" ] && grep -q nebula "/proc/$old/cmdline" 2>/dev/null; then stop_nebula; fi
  rm -f "$DIR/nebula.pid" "$DIR/nebula.exit"
  if [ -n "$(get .ondisk)" ] && [ -f "$DIR/config.yml" ]; then
    off=$(log_size)
    start_nebula
    problem=$(settle "$off")
    if [ -n "$problem" ]; then set_error "nebula would not start: $problem"; rm -f "$DIR/.applied"; else put .applied "$(get .ondisk)"; fi
  else
    rm -f "$DIR/.applied"
  fi
  log "polling $SERVER as $NODE_NAME"
  failures=0
  while :; do
    poll_once
    rc=$?
    case "$rc" in
      0) failures=0; jitter_sleep "$(get .poll-seconds || echo 60)" ;;
      10) failures=0 ;;
      @@EXIT_BLOCKED@@|@@EXIT_GONE@@) rm -f "$DIR/agent.pid"; exit "$rc" ;;
      *)
        failures=$((failures + 1))
        s=$(get .poll-seconds || echo 60)
        n=$failures
        while [ "$n" -gt 0 ] && [ "$s" -lt 300 ]; do s=$((s * 2)); n=$((n - 1)); done
        [ "$s" -le 300 ] || s=300
        jitter_sleep "$s" ;;
    esac
  done
}

status() {
  p=$(nebula_pid)
  echo "node:             $NODE_NAME ($NODE_IP) in \"$NETWORK_NAME\""
  echo "server:           $SERVER"
  echo "applied revision: $(get .applied-rev || echo none)"
  if [ -n "$p" ]; then echo "nebula:           running, pid $p"; else echo "nebula:           $(nebula_state)"; fi
  echo "certificate:      expires $("$NEBULA_CERT" print -json -path "$DIR/host.crt" 2>/dev/null | sed -n 's/.*"notAfter":"\([^"]*\)".*/\1/p' | head -n 1)"
  echo "last poll:        $(get .last-poll || echo never) (every $(get .poll-seconds || echo 60) s)"
  echo "last error:       $(get .last-error || echo none)"
}

case "$CMD" in
  run) run ;;
  status) status ;;
  *) echo "usage: sh nc-agent.sh run|status [DIR]" >&2; exit 2 ;;
esac
`;

/** The agent script as installed on hosts. */
export function shAgentSource(): string {
  const values: Record<string, string> = {
    VERSION: AGENT_VERSION,
    EXIT_BLOCKED: String(EXIT.blocked),
    EXIT_GONE: String(EXIT.gone),
    H_APPLIED: REPORT_HEADERS.applied,
    H_NEBULA: REPORT_HEADERS.nebula,
    H_NEBULA_VERSION: REPORT_HEADERS.nebulaVersion,
    H_AGENT: REPORT_HEADERS.agent,
    H_ERROR: REPORT_HEADERS.error,
    A_POLL: ANSWER_HEADERS.pollSeconds,
    A_RESTART: ANSWER_HEADERS.restartKey,
    A_REVISION: ANSWER_HEADERS.revision,
    A_RENEWAL: ANSWER_HEADERS.renewalDue,
    A_PREF_APPLIED: PREFERENCE_APPLIED_HEADER,
    WAIT: String(LONG_POLL_MAX_SECONDS),
    WAIT_MAX_TIME: String(LONG_POLL_MAX_SECONDS + 20),
    POLL_MIN: String(POLL_SECONDS_MIN),
    POLL_MAX: String(POLL_SECONDS_MAX),
    // Inside double quotes in sh: these messages hold no ", $, ` or \.
    BLOCKED: BLOCKED_MESSAGE,
    GONE: GONE_MESSAGE,
  };
  return SOURCE.replace(/@@([A-Z_]+)@@/g, (_, name: string) => {
    const v = values[name];
    if (v === undefined) throw new Error(`sh agent: no value for @@${name}@@`);
    return v;
  });
}
