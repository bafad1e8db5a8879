/**
 * Progressive delays, kept in Postgres so that they hold across replicas. Each attempt is counted
 * before it is made, by one conditional upsert that also decides: parallel attempts queue on the
 * row lock and each sees the previous one's count, so none can slip past a check that ran before
 * the others were counted.
 */
import { db } from "@/lib/db/client";

export interface BackoffPolicy {
  /** Attempts allowed back to back; after the n-th (n >= free) the next waits 2^(n - free) s. */
  freeAttempts: number;
  maxDelaySeconds: number;
  /** A key left alone this long starts again from zero. */
  forgetAfterSeconds: number;
}

export type BackoffDecision = { allowed: true; attempt: number } | { allowed: false; retryAfterSeconds: number };

export function delayAfter(attempts: number, policy: BackoffPolicy): number {
  return attempts < policy.freeAttempts ? 0 : Math.min(2 ** (attempts - policy.freeAttempts), policy.maxDelaySeconds);
}

/** Counts an attempt under `key` if its delay has passed; otherwise says how long to wait. */
export async function takeAttempt(key: string, policy: BackoffPolicy): Promise<BackoffDecision> {
  const { freeAttempts: free, maxDelaySeconds: max, forgetAfterSeconds: forget } = policy;
  const rows = await db.$queryRaw<Array<{ attempts: number }>>`
    INSERT INTO "RateBackoff" AS b ("key", "attempts", "blockedUntil", "updatedAt")
    VALUES (${key}, 1, clock_timestamp() + make_interval(secs => ${delayAfter(1, policy)}), clock_timestamp())
    ON CONFLICT ("key") DO UPDATE SET
      "attempts" = CASE WHEN b."updatedAt" < clock_timestamp() - make_interval(secs => ${forget}) THEN 1 ELSE b."attempts" + 1 END,
      "blockedUntil" = clock_timestamp() + make_interval(secs => (
        SELECT CASE WHEN n < ${free} THEN 0 ELSE LEAST(power(2, n - ${free}), ${max}) END
        FROM (SELECT CASE WHEN b."updatedAt" < clock_timestamp() - make_interval(secs => ${forget}) THEN 1 ELSE b."attempts" + 1 END AS n) next)),
      "updatedAt" = clock_timestamp()
    WHERE b."blockedUntil" <= clock_timestamp()
    RETURNING "attempts"`;
  if (rows[0]) return { allowed: true, attempt: rows[0].attempts };
  const wait = await db.$queryRaw<Array<{ seconds: number }>>`
    SELECT GREATEST(1, ceil(extract(epoch FROM "blockedUntil" - clock_timestamp())))::int AS seconds FROM "RateBackoff" WHERE "key" = ${key}`;
  return { allowed: false, retryAfterSeconds: wait[0]?.seconds ?? 1 };
}

/** Forgets `key`'s attempts (a success). */
export async function clearAttempts(key: string): Promise<void> {
  await db.rateBackoff.deleteMany({ where: { key } });
}
