/** Limits that hold across replicas: a Postgres counter per key and window, refused past `max`. */
import { AppError } from "@/lib/core/app-error";
import { metrics } from "@/lib/metrics/registry";
import { hitCounter, readCounter, secondsLeftInWindow } from "./rate-counter";

export interface Limit {
  key: string;
  windowSeconds: number;
  max: number;
}

function refuse(limit: Limit, what: string): never {
  // The key's kind (e.g. enroll:ip), never the address or token hash itself.
  metrics().rateLimitHits.inc({ limit: limit.key.split(":").slice(0, 2).join(":") });
  const retry = secondsLeftInWindow(limit.windowSeconds);
  throw new AppError("rate_limited", `Too many ${what}; try again in ${retry} s`, undefined, { "retry-after": String(retry) });
}

/** Counts this attempt against every limit; refuses if any is exceeded. */
export async function consume(limits: Limit[], what: string): Promise<void> {
  refuseOver(limits, await Promise.all(limits.map((l) => hitCounter(l.key, l.windowSeconds))), what);
}

/** Refuses when any limit's new count (counts[i] for limits[i], this attempt included) is past its max. */
export function refuseOver(limits: Limit[], counts: number[], what: string): void {
  const over = limits.find((l, i) => counts[i]! > l.max);
  if (over) refuse(over, what);
}

/** Refuses when a limit is already used up, without counting (for failure-only limits). */
export async function assertUnder(limits: Limit[], what: string): Promise<void> {
  const counts = await Promise.all(limits.map((l) => readCounter(l.key, l.windowSeconds)));
  const over = limits.find((l, i) => counts[i]! >= l.max);
  if (over) refuse(over, what);
}

export async function countFailure(limits: Limit[]): Promise<void> {
  await Promise.all(limits.map((l) => hitCounter(l.key, l.windowSeconds)));
}
