/** How many polls one replica may hold open at once (long polling, lib/enroll/poll-wait.ts). */

export const DEFAULT_MAX_WAITING = 25_000;

/**
 * NC_LONG_POLL_MAX_WAITING, or the default; 0 turns long polling off. Past it, polls are answered
 * at once and their hosts poll every interval instead. Validated when the server starts.
 */
export function longPollMaxWaiting(env: Record<string, string | undefined> = process.env): number {
  const raw = env.NC_LONG_POLL_MAX_WAITING?.trim();
  if (!raw) return DEFAULT_MAX_WAITING;
  if (!/^[0-9]{1,7}$/.test(raw)) throw new Error(`NC_LONG_POLL_MAX_WAITING must be a whole number of requests (0 to 9999999), not "${raw}"`);
  return Number(raw);
}
