/**
 * How long the audit trail is kept, and the pruning that enforces it.
 *
 * Retention is one setting for the installation (NC_AUDIT_RETENTION_DAYS), not a network setting:
 * it is the operator's compliance policy, the people being audited (network admins) must not be
 * able to shorten the record of their own actions, and part of the trail belongs to no network
 * (sign-ups, role changes, master-key rotation). Unset, the trail is kept forever.
 *
 * Pruning is safe across replicas: a run holds a transaction-scoped advisory lock taken with
 * try-lock, so a second replica (or an admin's click) arriving meanwhile skips instead of deleting
 * the same rows and recording them twice. A run deletes in bounded batches and writes its
 * `audit.pruned` event in the same transaction as the deletes, so the trail never loses rows
 * without saying so; a large backlog is worked off in several such runs.
 */
import { transaction } from "@/lib/db/client";
import { wholeNumberSetting, type Env } from "@/lib/core/whole-number-setting";
import { recordAudit, type AuditActor } from "./record-audit";
import type { RequestMeta } from "@/lib/core/request-meta";

export const AUDIT_PRUNE_LOCK = "audit-prune";
/** Rows per DELETE statement. */
export const AUDIT_PRUNE_BATCH = 5000;
/** Batches per run (one transaction): bounds how long a run holds its locks. */
export const AUDIT_PRUNE_BATCHES_PER_RUN = 20;
/** The scheduled prune, per replica. */
export const AUDIT_PRUNE_INTERVAL_MS = 60 * 60 * 1000;
const MAX_RETENTION_DAYS = 36500;

/** Days to keep, or null to keep forever. Throws on a value that is not a whole number of days. */
export function auditRetentionDays(env: Env = process.env): number | null {
  return wholeNumberSetting(env, "NC_AUDIT_RETENTION_DAYS", { unit: "days", min: 1, max: MAX_RETENTION_DAYS, whenEmpty: "to keep the audit trail forever" });
}

export interface PruneResult {
  /** False when another replica was pruning at that moment: nothing was done here. */
  ran: boolean;
  removed: number;
  /** Events created before this instant were removed. */
  olderThan: string;
}

export interface PruneOptions {
  retentionDays: number;
  actor?: AuditActor;
  meta?: RequestMeta;
  now?: Date;
  batchSize?: number;
  batchesPerRun?: number;
}

const SYSTEM: AuditActor = { id: null, displayName: "system (audit retention)" };

/** One run: at most batchesPerRun batches, one transaction. */
async function pruneRun(cutoff: Date, o: Required<Pick<PruneOptions, "batchSize" | "batchesPerRun">> & PruneOptions): Promise<{ ran: boolean; removed: number; full: boolean }> {
  return transaction(
    async (tx) => {
      const [{ locked }] = await tx.$queryRaw<[{ locked: boolean }]>`SELECT pg_try_advisory_xact_lock(hashtextextended(${AUDIT_PRUNE_LOCK}, 0)) AS locked`;
      if (!locked) return { ran: false, removed: 0, full: false };
      let removed = 0;
      let full = true;
      for (let i = 0; i < o.batchesPerRun; i++) {
        // Oldest first, through the createdAt index; LIMIT keeps each statement's work bounded.
        const n = await tx.$executeRaw`
          DELETE FROM "AuditEvent" WHERE id IN (
            SELECT id FROM "AuditEvent" WHERE "createdAt" < ${cutoff} ORDER BY "createdAt" LIMIT ${o.batchSize}
          )`;
        removed += n;
        if (n < o.batchSize) {
          full = false;
          break;
        }
      }
      // Nothing removed, nothing to say: an hourly "removed 0" from every replica would bury the trail.
      if (removed > 0) {
        await recordAudit(tx, {
          actor: o.actor ?? SYSTEM,
          action: "audit.pruned",
          target: { type: "audit", name: "audit trail" },
          after: { removed, olderThan: cutoff.toISOString(), retentionDays: o.retentionDays },
          meta: o.meta,
        });
      }
      return { ran: true, removed, full };
    },
    { timeout: 5 * 60_000 },
  );
}

/** Removes events older than the retention; several runs while a run fills its whole budget. */
export async function pruneAuditEvents(options: PruneOptions): Promise<PruneResult> {
  const now = options.now ?? new Date();
  const cutoff = new Date(now.getTime() - options.retentionDays * 86_400_000);
  const o = { batchSize: AUDIT_PRUNE_BATCH, batchesPerRun: AUDIT_PRUNE_BATCHES_PER_RUN, ...options };
  let removed = 0;
  for (;;) {
    const run = await pruneRun(cutoff, o);
    if (!run.ran) return { ran: removed > 0, removed, olderThan: cutoff.toISOString() };
    removed += run.removed;
    if (!run.full) return { ran: true, removed, olderThan: cutoff.toISOString() };
  }
}

/**
 * The schedule, started once by server.ts: a first run a minute after start (not at once, so that
 * replicas started together are spread by their start-up times and the app is serving first), then
 * hourly. A replica's timer never keeps the process alive.
 */
export function startAuditRetention(env: Record<string, string | undefined> = process.env): (() => void) | null {
  const retentionDays = auditRetentionDays(env);
  if (retentionDays === null) return null;
  const tick = () => {
    pruneAuditEvents({ retentionDays })
      .then((r) => {
        if (r.removed > 0) console.log(`[audit] retention: removed ${r.removed} events older than ${r.olderThan}`);
      })
      .catch((error: unknown) => console.error(`[audit] retention prune failed: ${error instanceof Error ? error.message : String(error)}`));
  };
  const first = setTimeout(tick, 60_000);
  const every = setInterval(tick, AUDIT_PRUNE_INTERVAL_MS);
  first.unref();
  every.unref();
  return () => {
    clearTimeout(first);
    clearInterval(every);
  };
}
