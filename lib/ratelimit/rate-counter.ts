/**
 * Fixed-window counters in Postgres, so that a limit holds across every app replica.
 * One atomic upsert per hit; no read-modify-write race.
 */
import { db } from "@/lib/db/client";

function windowStart(windowSeconds: number, now = Date.now()): Date {
  const size = windowSeconds * 1000;
  return new Date(now - (now % size));
}

/** Adds one to `key`'s current window and returns the new count. */
export async function hitCounter(key: string, windowSeconds: number): Promise<number> {
  const start = windowStart(windowSeconds);
  const rows = await db.$queryRaw<Array<{ count: number }>>`
    INSERT INTO "RateCounter" ("key", "windowStart", "count") VALUES (${key}, ${start}, 1)
    ON CONFLICT ("key", "windowStart") DO UPDATE SET "count" = "RateCounter"."count" + 1
    RETURNING "count"`;
  return rows[0]?.count ?? 1;
}

export async function readCounter(key: string, windowSeconds: number): Promise<number> {
  const row = await db.rateCounter.findUnique({ where: { key_windowStart: { key, windowStart: windowStart(windowSeconds) } } });
  return row?.count ?? 0;
}

export async function clearCounter(key: string, windowSeconds: number): Promise<void> {
  await db.rateCounter.deleteMany({ where: { key, windowStart: windowStart(windowSeconds) } });
}

/** Seconds until `key`'s current window closes. */
export function secondsLeftInWindow(windowSeconds: number, now = Date.now()): number {
  return Math.ceil((windowStart(windowSeconds, now).getTime() + windowSeconds * 1000 - now) / 1000);
}

/** Old windows are useless; dropped opportunistically so the table stays small. */
export async function pruneCounters(olderThanSeconds = 24 * 3600): Promise<void> {
  await db.rateCounter.deleteMany({ where: { windowStart: { lt: new Date(Date.now() - olderThanSeconds * 1000) } } });
}
