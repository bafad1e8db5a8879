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
  prunePeriodically();
  const start = windowStart(windowSeconds);
  const rows = await db.$queryRaw<Array<{ count: number }>>`
    INSERT INTO "RateCounter" ("key", "windowStart", "count") VALUES (${key}, ${start}, 1)
    ON CONFLICT ("key", "windowStart") DO UPDATE SET "count" = "RateCounter"."count" + 1
    RETURNING "count"`;
  return rows[0]?.count ?? 1;
}

/**
 * hitCounter for several limits as a CTE named `hits` ("key", "count"), for a hot path that folds
 * its counting into a statement of its own (enrollment reads everything it needs in one). Its two
 * parameters are $first and $first+1.
 */
export function hitCountersCte(limits: Array<{ key: string; windowSeconds: number }>, first: number): { text: string; values: unknown[] } {
  prunePeriodically();
  return {
    text: `hits AS (
      INSERT INTO "RateCounter" ("key", "windowStart", "count") SELECT k, w, 1 FROM unnest($${first}::text[], $${first + 1}::timestamptz[]) AS t(k, w)
      ON CONFLICT ("key", "windowStart") DO UPDATE SET "count" = "RateCounter"."count" + 1
      RETURNING "key", "count")`,
    values: [limits.map((l) => l.key), limits.map((l) => windowStart(l.windowSeconds))],
  };
}

export async function readCounter(key: string, windowSeconds: number): Promise<number> {
  const row = await db.rateCounter.findUnique({ where: { key_windowStart: { key, windowStart: windowStart(windowSeconds) } } });
  return row?.count ?? 0;
}

/** Takes back one hit in `key`'s current window (an attempt that turned out fine). */
export async function releaseCounter(key: string, windowSeconds: number): Promise<void> {
  await db.$executeRaw`
    UPDATE "RateCounter" SET "count" = "count" - 1
    WHERE "key" = ${key} AND "windowStart" = ${windowStart(windowSeconds)} AND "count" > 0`;
}

export async function clearCounter(key: string, windowSeconds: number): Promise<void> {
  await db.rateCounter.deleteMany({ where: { key, windowStart: windowStart(windowSeconds) } });
}

/** Seconds until `key`'s current window closes. */
export function secondsLeftInWindow(windowSeconds: number, now = Date.now()): number {
  return Math.ceil((windowStart(windowSeconds, now).getTime() + windowSeconds * 1000 - now) / 1000);
}

/** Every window (and every backoff) is far shorter than this; rows older than it count for nothing. */
const KEEP_SECONDS = 24 * 3600;
/** Each replica prunes at most this often, from the counting path, so no scheduler is needed. */
const PRUNE_EVERY_MS = 10 * 60_000;
/** Rows per DELETE, so that one prune never holds many locks or runs long, even after a flood. */
const PRUNE_BATCH = 5000;
/** Batches per prune; whatever is left waits for the next turn. */
const MAX_BATCHES = 20;

let nextPruneAt = 0;
let pruning: Promise<void> = Promise.resolve();

/**
 * Starts a prune when this replica's turn has come, without making the caller wait for it. Safe
 * across replicas: batches skip rows another replica has locked, and deleting twice is harmless.
 */
function prunePeriodically(now = Date.now()): void {
  if (now < nextPruneAt) return;
  nextPruneAt = now + PRUNE_EVERY_MS;
  pruning = pruneCounters().catch((error: unknown) => console.warn(`[ratelimit] pruning old counters failed: ${(error as Error).message}`));
}

/** Resolves when this replica's prune in progress (if any) is done. */
export function prunesSettled(): Promise<void> {
  return pruning;
}

/** Makes the next hit prune (tests; a replica that wants a prune soon). */
export function pruneSoon(): void {
  nextPruneAt = 0;
}

/** Drops windows and backoffs older than KEEP_SECONDS, in bounded batches (windowStart and updatedAt are indexed). */
export async function pruneCounters(olderThanSeconds = KEEP_SECONDS): Promise<void> {
  const cutoff = new Date(Date.now() - olderThanSeconds * 1000);
  for (let batch = 0; batch < MAX_BATCHES; batch++) {
    const deleted = await db.$executeRaw`
      DELETE FROM "RateCounter" WHERE ("key", "windowStart") IN (
        SELECT "key", "windowStart" FROM "RateCounter" WHERE "windowStart" < ${cutoff} LIMIT ${PRUNE_BATCH} FOR UPDATE SKIP LOCKED)`;
    if (deleted < PRUNE_BATCH) break;
  }
  for (let batch = 0; batch < MAX_BATCHES; batch++) {
    const deleted = await db.$executeRaw`
      DELETE FROM "RateBackoff" WHERE "key" IN (
        SELECT "key" FROM "RateBackoff" WHERE "updatedAt" < ${cutoff} AND "blockedUntil" < now() LIMIT ${PRUNE_BATCH} FOR UPDATE SKIP LOCKED)`;
    if (deleted < PRUNE_BATCH) break;
  }
}
