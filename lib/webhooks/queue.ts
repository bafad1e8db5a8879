/**
 * The delivery queue: pg-boss, in its own `pgboss` schema of the app's database, which it creates
 * and migrates itself (idempotently, under an advisory lock) when started. Every replica shares it:
 * a job is taken by one worker with FOR UPDATE SKIP LOCKED, a failed attempt goes back to the queue
 * with exponential backoff, and a worker that dies mid-attempt loses the job only until it expires.
 *
 * Jobs are enqueued inside the Prisma transaction that makes the change (`send` with a `db` that
 * runs on the transaction), so an event exists exactly when its change committed.
 */
import PgBoss from "pg-boss";
import { wholeNumberOr, type Env } from "@/lib/core/whole-number-setting";
import type { Tx } from "@/lib/db/client";
import { hotPathPool } from "@/lib/db/pg-pool";
import { pgConfigFromUrl } from "@/lib/db/pg-config";

export const DELIVERY_QUEUE = "webhook-delivery";
export const HOST_TRANSITIONS_QUEUE = "webhook-host-transitions";
export const CERT_EXPIRY_QUEUE = "webhook-cert-expiry";
export const BOSS_SCHEMA = "pgboss";

export interface RetrySettings {
  retryLimit: number;
  retryDelay: number;
  retryBackoff: true;
  expireInSeconds: number;
}

/**
 * Retries: NC_WEBHOOK_RETRY_LIMIT more attempts after the first (default 8), the n-th after about
 * NC_WEBHOOK_RETRY_BASE_SECONDS × 2^(n-1) (default 30 s, with up to as much again of jitter), so
 * the last one comes about two hours after the first. pg-boss counts delays in whole seconds.
 */
export function retrySettings(env: Env = process.env): RetrySettings {
  const retryLimit = wholeNumberOr(env, "NC_WEBHOOK_RETRY_LIMIT", { unit: "retries", min: 0, max: 20 }, 8);
  const retryDelay = wholeNumberOr(env, "NC_WEBHOOK_RETRY_BASE_SECONDS", { unit: "seconds", min: 1, max: 3600 }, 30);
  // An attempt takes at most 10 s; a job still active a minute later belonged to a worker that died.
  return { retryLimit, retryDelay, retryBackoff: true, expireInSeconds: 60 };
}

/** pg-boss's settings for a pool of its own (the workers), from DATABASE_URL. */
export function bossConnection(): PgBoss.DatabaseOptions {
  const c = pgConfigFromUrl(process.env.DATABASE_URL);
  return { host: c.host, port: c.port, user: c.user, password: c.password, database: c.database, ...(c.ssl !== undefined ? { ssl: c.ssl as PgBoss.DatabaseOptions["ssl"] } : {}), schema: BOSS_SCHEMA };
}

export async function createQueues(boss: PgBoss): Promise<void> {
  // ON CONFLICT DO NOTHING inside: every replica may call it at start.
  for (const name of [DELIVERY_QUEUE, HOST_TRANSITIONS_QUEUE, CERT_EXPIRY_QUEUE]) await boss.createQueue(name);
}

const holder = globalThis as { __ncWebhookProducer?: Promise<PgBoss> };

/**
 * The pg-boss instance that enqueues, on the app's existing small pg pool (no pool of its own, no
 * polling). Started once per process, which creates the schema and queues if this is the first
 * process to need them.
 */
export function webhookProducer(): Promise<PgBoss> {
  holder.__ncWebhookProducer ??= (async () => {
    const boss = new PgBoss({
      schema: BOSS_SCHEMA,
      db: { executeSql: (text: string, values: unknown[]) => hotPathPool().query(text, values) },
      supervise: false,
      schedule: false,
    });
    boss.on("error", (error: Error) => console.error(`[webhooks] queue: ${error.message}`));
    await boss.start();
    await createQueues(boss);
    return boss;
  })().catch((error: unknown) => {
    holder.__ncWebhookProducer = undefined;
    throw error;
  });
  return holder.__ncWebhookProducer;
}

/** Runs pg-boss's statements on a Prisma transaction, so a job commits or rolls back with it. */
function onTransaction(tx: Tx): PgBoss.Db {
  return {
    executeSql: async (text: string, values: unknown[]) => {
      // node-postgres serialises objects as JSON and undefined as NULL; Prisma's raw queries do neither.
      const params = values.map((v) => (v === undefined ? null : v !== null && typeof v === "object" && !(v instanceof Date) ? JSON.stringify(v) : v));
      return { rows: await tx.$queryRawUnsafe<unknown[]>(text, ...params) };
    },
  };
}

/** Enqueues one delivery's job inside the transaction; the job's id is chosen here so the delivery row can name it. */
export async function enqueueDeliveryJob(tx: Tx, deliveryId: string, jobId: string): Promise<void> {
  const boss = await webhookProducer();
  const id = await boss.send(DELIVERY_QUEUE, { deliveryId }, { ...retrySettings(), id: jobId, db: onTransaction(tx) });
  if (id !== jobId) throw new Error("The webhook queue did not take the job");
}
