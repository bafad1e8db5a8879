/**
 * What the app says about a host, from what the host itself reported on its polls: the bundle it
 * fetched, the bundle nebula accepted, whether nebula runs. Nothing here is inferred from what the
 * server sent, so "applied" means the host confirmed it.
 */
export type HostState = "blocked" | "pending" | "never" | "offline" | "down" | "fetched" | "behind" | "applied";

export interface HostStatusInput {
  status: "pending" | "active" | "blocked";
  lastSeenAt: Date | string | null;
  fetchedEtag: string | null;
  appliedEtag: string | null;
  appliedRevision: number | null;
  renderedEtag: string | null;
  renderedRevision: number | null;
  /** The network's current config revision and its agents' poll interval. */
  configRevision: number;
  pollSeconds: number;
  nebulaState: string | null;
  lastError: string | null;
}

export interface HostStatus {
  state: HostState;
  /** A few words for a badge. */
  label: string;
  /** A sentence for a tooltip or the node page. */
  detail: string;
}

/**
 * A host that polls on time is never older than its interval plus jitter; one and a half
 * intervals plus a little means its agent stopped (a report is written at least every half interval).
 */
export const offlineAfterSeconds = (pollSeconds: number) => pollSeconds * 1.5 + 2;

/** "42 s", "24 min", "5 h", "3 d": how long ago, in the unit a person reads at a glance. */
export function formatAge(seconds: number): string {
  if (seconds < 120) return `${Math.round(seconds)} s`;
  if (seconds < 2 * 3600) return `${Math.round(seconds / 60)} min`;
  if (seconds < 2 * 86400) return `${Math.round(seconds / 3600)} h`;
  return `${Math.round(seconds / 86400)} d`;
}

export function hostStatus(n: HostStatusInput, now = Date.now()): HostStatus {
  if (n.status === "blocked") return { state: "blocked", label: "blocked", detail: "Blocked: its certificate is on every node's blocklist." };
  if (n.status === "pending") return { state: "pending", label: "awaiting approval", detail: "Enrolled and waiting for an administrator's approval." };
  if (!n.lastSeenAt) return { state: "never", label: "never seen", detail: "No agent has polled for this node yet." };
  const age = (now - new Date(n.lastSeenAt).getTime()) / 1000;
  const error = n.lastError ? ` Last error: ${n.lastError}` : "";
  if (age > offlineAfterSeconds(n.pollSeconds)) {
    return { state: "offline", label: "offline", detail: `Its agent has not polled for ${formatAge(age)} (it polls every ${n.pollSeconds} s).${error}` };
  }
  if (n.nebulaState === "stopped" || n.nebulaState === "failed") {
    return { state: "down", label: "nebula down", detail: `The agent polls, but reports nebula ${n.nebulaState === "failed" ? "crashed" : "stopped"}.${error}` };
  }
  const latest = n.renderedEtag !== null && n.renderedRevision === n.configRevision;
  if (latest && n.appliedEtag === n.renderedEtag) {
    return { state: "applied", label: `applied · rev ${n.appliedRevision ?? n.renderedRevision}`, detail: `nebula runs revision ${n.appliedRevision ?? n.renderedRevision}, the latest, as the host confirmed.${error}` };
  }
  if (latest && n.fetchedEtag === n.renderedEtag) {
    return { state: "fetched", label: `fetched rev ${n.renderedRevision}, not applied`, detail: `The host has downloaded the latest revision but nebula has not taken it.${error || " It has not confirmed it yet."}` };
  }
  const applied = n.appliedRevision !== null ? `revision ${n.appliedRevision}` : n.appliedEtag ? "an older revision" : "no confirmed revision";
  return { state: "behind", label: "behind", detail: `The network is at revision ${n.configRevision}; the host runs ${applied} and has not picked up the latest yet.${error}` };
}
