/**
 * The webhook worker: one per app process (server.ts starts it, SIGTERM stops it), taking
 * delivery jobs from the queue every replica shares, and running the periodic jobs that pg-boss's
 * cron schedules once per minute across all replicas.
 */
import PgBoss from "pg-boss";
import { attemptDelivery, DeliveryFailedError } from "./deliver";
import { emitExpiringCas, emitExpiringCertificates, emitHostTransitions } from "./periodic";
import { wholeNumberOr, type Env } from "@/lib/core/whole-number-setting";
import { bossConnection, CERT_EXPIRY_QUEUE, createQueues, DELIVERY_QUEUE, HOST_TRANSITIONS_QUEUE } from "./queue";

export interface WebhookWorker {
  stop(): Promise<void>;
}

export interface WorkerOptions {
  /** How often an idle worker looks for a job (pg-boss polls; at least 0.5 s). */
  pollingIntervalSeconds?: number;
  /** Deliveries this process sends at once. */
  concurrency?: number;
  /** Run the cron schedules (tests call the periodic jobs directly instead). */
  schedule?: boolean;
  /** Told of every finished attempt (tests, and the worker process's log). */
  onAttempt?: (info: { deliveryId: string; attempt: number; ok: boolean; statusCode: number | null }) => void;
}

/** NC_WEBHOOK_POLL_SECONDS and NC_WEBHOOK_CONCURRENCY, or their defaults (2 s, 4 at once). */
export function workerSettings(env: Env = process.env): Required<Pick<WorkerOptions, "pollingIntervalSeconds" | "concurrency">> {
  return {
    pollingIntervalSeconds: wholeNumberOr(env, "NC_WEBHOOK_POLL_SECONDS", { unit: "seconds", min: 1, max: 3600 }, 2),
    concurrency: wholeNumberOr(env, "NC_WEBHOOK_CONCURRENCY", { unit: "deliveries", min: 1, max: 100 }, 4),
  };
}

export async function startWebhookWorker(options: WorkerOptions = {}): Promise<WebhookWorker> {
  const schedule = options.schedule ?? true;
  const boss = new PgBoss({ ...bossConnection(), max: 4, application_name: "nc-webhooks", schedule });
  // pg-boss reports lost connections and failed maintenance here; an unhandled 'error' would end the process.
  boss.on("error", (error: Error) => console.error(`[webhooks] ${error.message}`));
  await boss.start();
  await createQueues(boss);
  const settings = workerSettings();
  const pollingIntervalSeconds = options.pollingIntervalSeconds ?? settings.pollingIntervalSeconds;
  const concurrency = options.concurrency ?? settings.concurrency;
  for (let i = 0; i < concurrency; i++) {
    await boss.work<{ deliveryId: string }>(DELIVERY_QUEUE, { pollingIntervalSeconds, includeMetadata: true }, async ([job]) => {
      if (!job) return;
      const attempt = job.retryCount + 1;
      try {
        const result = await attemptDelivery(job.data.deliveryId, job.retryCount >= job.retryLimit);
        options.onAttempt?.({ deliveryId: job.data.deliveryId, attempt, ok: true, statusCode: result?.statusCode ?? null });
      } catch (error) {
        options.onAttempt?.({ deliveryId: job.data.deliveryId, attempt, ok: false, statusCode: null });
        if (!(error instanceof DeliveryFailedError)) console.error(`[webhooks] delivery ${job.data.deliveryId}: ${error instanceof Error ? error.message : String(error)}`);
        throw error;
      }
    });
  }
  await boss.work(HOST_TRANSITIONS_QUEUE, async () => {
    await emitHostTransitions();
  });
  await boss.work(CERT_EXPIRY_QUEUE, async () => {
    await emitExpiringCertificates();
    await emitExpiringCas();
  });
  if (schedule) {
    await boss.schedule(HOST_TRANSITIONS_QUEUE, "* * * * *");
    await boss.schedule(CERT_EXPIRY_QUEUE, "*/15 * * * *");
  }
  return {
    // In-flight attempts get a few seconds; pg-boss fails any left so another replica retries them.
    stop: () => boss.stop({ graceful: true, timeout: 12_000, wait: true }),
  };
}
