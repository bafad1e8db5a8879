/**
 * The host protocol, shared by the server, nc-agent and the one-liner's POSIX agent, so that the
 * two front doors speak one language and make the same decisions. Pure: no Node, no Next.
 *
 * A poll (GET /api/v1/node/config as JSON, or /api/v1/node/files/<file> as text) carries what the
 * host knows, as headers, and the server stores it as reported: the status shown in the app comes
 * from these reports, never from what the server sent.
 */

export const AGENT_VERSION = "0.2.0";

/** Request headers: the host's own report. */
export const REPORT_HEADERS = {
  /** The ETag of the bundle nebula accepted (after `nebula -test` passed and the process stayed up), or "none". */
  applied: "x-nc-applied",
  /** running | stopped | failed: whether the nebula process is alive right now. */
  nebula: "x-nc-nebula",
  /** The nebula version the host runs, e.g. 1.6.1. */
  nebulaVersion: "x-nc-nebula-version",
  /** nc-agent/0.2.0 or nc-agent-sh/0.2.0. */
  agent: "x-nc-agent",
  /** The agent's last error, empty when the last apply worked. */
  error: "x-nc-error",
} as const;

/** The JSON answer of GET /api/v1/node/config: the bundle and what the agent must do with it. */
export interface ConfigPayload {
  etag: string;
  revision: number;
  status: string;
  config: string;
  ca: string;
  certificate: string;
  renewalDue: boolean;
  pollSeconds: number;
  restartKey: string;
  /**
   * The lighthouse DNS servers this host can query for other hosts' names (their certificate
   * names), e.g. [{ lighthouse: "lh1", address: "10.42.0.1", port: 53 }]. Informational: nebula
   * needs nothing on the host, the config's header names them too (the POSIX agent reads only
   * that), and a server older than issue 12 leaves the field out.
   */
  dns?: DnsResolverInfo[];
}

export interface DnsResolverInfo {
  lighthouse: string;
  address: string;
  port: number;
}

/** Response headers the agents act on. */
export const ANSWER_HEADERS = {
  pollSeconds: "x-nc-poll-seconds",
  revision: "x-nc-revision",
  /** A digest of everything nebula cannot reload: when it changes, restart; otherwise SIGHUP. */
  restartKey: "x-nc-restart-key",
  renewalDue: "x-renewal-due",
} as const;

/**
 * Long polling (RFC 7240): a host that holds a config asks the server to keep its poll open until
 * something changes for it, with `Prefer: wait=<seconds>`. A server that honours it answers with
 * `Preference-Applied: wait=<seconds>` (at most LONG_POLL_MAX_SECONDS, and never longer than the
 * network's poll interval, so hosts are still seen within it); then a 304 means "nothing changed in
 * that time" and the host may poll again at once. Without that header, it waits its interval.
 */
export const LONG_POLL_MAX_SECONDS = 55;
export const PREFER_HEADER = "prefer";
export const PREFERENCE_APPLIED_HEADER = "preference-applied";

/** The seconds a `Prefer` header asks to wait (`wait=N`), or null; other preferences are ignored. */
export function preferredWait(header: string | null): number | null {
  const m = /(?:^|[,;\s])wait\s*=\s*"?(\d{1,6})"?/i.exec(header ?? "");
  return m ? Number(m[1]) : null;
}

/** The seconds a `Preference-Applied` header says the server waited for, or null. */
export const appliedWait = preferredWait;

export const NEBULA_STATES = ["running", "stopped", "failed"] as const;
export type NebulaState = (typeof NEBULA_STATES)[number];

/** The server's interval is bounded on both sides, so a bad value can neither hammer it nor silence a host. */
export const POLL_SECONDS_MIN = 5;
export const POLL_SECONDS_MAX = 3600;
export const DEFAULT_POLL_SECONDS = 60;

export function clampPollSeconds(value: unknown): number {
  // A missing value (an older server, a header lost on the way) means the default, not the fastest.
  if (value === null || value === undefined || value === "") return DEFAULT_POLL_SECONDS;
  const n = typeof value === "number" ? value : Number(value);
  if (!Number.isFinite(n)) return DEFAULT_POLL_SECONDS;
  return Math.min(POLL_SECONDS_MAX, Math.max(POLL_SECONDS_MIN, Math.round(n)));
}

/**
 * Exit codes both agents use, so that a service manager can tell "try again" from "stop for good"
 * (the systemd unit lists the final ones in RestartPreventExitStatus).
 */
export const EXIT = { ok: 0, failed: 1, usage: 2, blocked: 3, gone: 4 } as const;

/** What a failed answer means to an agent. */
export type AnswerKind = "bad-credential" | "blocked" | "gone" | "retry";

export function answerKind(status: number): AnswerKind {
  if (status === 401) return "bad-credential";
  if (status === 403) return "blocked";
  if (status === 410) return "gone";
  return "retry";
}

export const BLOCKED_MESSAGE = "An administrator blocked this node: its certificate is on every node's blocklist. nebula was stopped; enroll again with a new join link to rejoin.";
export const GONE_MESSAGE = "This node was deleted from the network. nebula was stopped; enroll again with a new join link to rejoin.";

/** Error text travels in a header: printable ASCII only, bounded. */
export function headerSafe(text: string, max = 300): string {
  return text.replace(/[^\x20-\x7e]+/g, " ").trim().slice(0, max);
}
