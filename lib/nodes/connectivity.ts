/**
 * A node's liveness from its last poll. Last-seen is written at most once a minute, so "online"
 * allows two poll intervals plus that resolution before a node counts as stale.
 */
export type Connectivity = "online" | "stale" | "offline" | "never";

export function connectivity(lastSeenAt: string | Date | null, now = Date.now(), pollSeconds = 60): Connectivity {
  if (!lastSeenAt) return "never";
  const age = (now - new Date(lastSeenAt).getTime()) / 1000;
  if (age <= 2 * pollSeconds + 60) return "online";
  if (age <= 15 * 60) return "stale";
  return "offline";
}
