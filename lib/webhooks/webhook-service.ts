/**
 * A network's webhooks: create (the secret is returned once), edit, disable, rotate the secret,
 * delete, send a test event, redeliver, and the delivery log. Every change writes its audit event
 * in the same transaction, never with the secret.
 */
import { randomUUID } from "node:crypto";
import { db, transaction } from "@/lib/db/client";
import { AppError } from "@/lib/core/app-error";
import type { RequestMeta } from "@/lib/core/request-meta";
import type { Actor } from "@/lib/auth/session";
import { recordAudit } from "@/lib/audit/record-audit";
import { encryptSecret } from "@/lib/pki/secret-box";
import type { Prisma } from "@/lib/generated/prisma/client";
import { DEFAULT_EXPIRING_DAYS, TEST_EVENT } from "./event-types";
import type { WebhookCreateInput, WebhookPayload, WebhookUpdateInput } from "./events";
import { enqueueDelivery } from "./emit";
import { secretAad } from "./deliver";
import { generateWebhookSecret } from "./signature";
import { BOSS_SCHEMA, DELIVERY_QUEUE } from "./queue";

const endpointSelect = { id: true, url: true, description: true, events: true, enabled: true, expiringDays: true, createdAt: true, updatedAt: true } as const;

type EndpointRow = Prisma.WebhookEndpointGetPayload<{ select: typeof endpointSelect }>;

export function webhookView(row: EndpointRow) {
  return {
    id: row.id,
    url: row.url,
    description: row.description,
    events: row.events,
    enabled: row.enabled,
    expiringDays: row.expiringDays ?? DEFAULT_EXPIRING_DAYS,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

export type WebhookView = ReturnType<typeof webhookView>;

/** What the audit trail keeps of a webhook: everything but the secret. */
const audited = (w: WebhookView) => ({ url: w.url, description: w.description, events: w.events, enabled: w.enabled, expiringDays: w.expiringDays });

export async function listWebhooks(networkId: string) {
  const rows = await db.webhookEndpoint.findMany({ where: { networkId }, select: endpointSelect, orderBy: { createdAt: "asc" } });
  return rows.map(webhookView);
}

async function findWebhook(networkId: string, webhookId: string, client: Pick<typeof db, "webhookEndpoint"> = db): Promise<EndpointRow> {
  const row = await client.webhookEndpoint.findFirst({ where: { id: webhookId, networkId }, select: endpointSelect });
  if (!row) throw new AppError("not_found", "Webhook not found");
  return row;
}

export async function getWebhook(networkId: string, webhookId: string) {
  return webhookView(await findWebhook(networkId, webhookId));
}

/** The secret is in this answer only. */
export async function createWebhook(actor: Actor, networkId: string, input: WebhookCreateInput, meta: RequestMeta) {
  const id = randomUUID();
  const secret = generateWebhookSecret();
  return transaction(async (tx) => {
    const row = await tx.webhookEndpoint.create({
      data: { id, networkId, url: input.url, description: input.description, events: input.events, expiringDays: input.expiringDays, secretCiphertext: encryptSecret(secret, secretAad(id)) },
      select: endpointSelect,
    });
    const webhook = webhookView(row);
    await recordAudit(tx, { actor, action: "webhook.create", networkId, target: { type: "webhook", id, name: input.url }, after: audited(webhook), meta });
    return { webhook, secret };
  });
}

export async function updateWebhook(actor: Actor, networkId: string, webhookId: string, input: WebhookUpdateInput, meta: RequestMeta) {
  return transaction(async (tx) => {
    const before = webhookView(await findWebhook(networkId, webhookId, tx));
    const row = await tx.webhookEndpoint.update({ where: { id: webhookId }, data: input, select: endpointSelect });
    const after = webhookView(row);
    await recordAudit(tx, { actor, action: "webhook.update", networkId, target: { type: "webhook", id: webhookId, name: after.url }, before: audited(before), after: audited(after), meta });
    return after;
  });
}

/** A new secret at once; the old one stops signing now, so the receiver must be updated with it. */
export async function rotateWebhookSecret(actor: Actor, networkId: string, webhookId: string, meta: RequestMeta) {
  const secret = generateWebhookSecret();
  return transaction(async (tx) => {
    const before = await findWebhook(networkId, webhookId, tx);
    const row = await tx.webhookEndpoint.update({ where: { id: webhookId }, data: { secretCiphertext: encryptSecret(secret, secretAad(webhookId)) }, select: endpointSelect });
    await recordAudit(tx, { actor, action: "webhook.rotate", networkId, target: { type: "webhook", id: webhookId, name: before.url }, meta });
    return { webhook: webhookView(row), secret };
  });
}

export async function deleteWebhook(actor: Actor, networkId: string, webhookId: string, meta: RequestMeta): Promise<void> {
  await transaction(async (tx) => {
    const before = webhookView(await findWebhook(networkId, webhookId, tx));
    // Its deliveries go with it; their queued jobs then find nothing to send.
    await tx.webhookEndpoint.delete({ where: { id: webhookId } });
    await recordAudit(tx, { actor, action: "webhook.delete", networkId, target: { type: "webhook", id: webhookId, name: before.url }, before: audited(before), meta });
  });
}

/** Queues a `webhook.test` event to this webhook only, whatever it subscribed to. */
export async function sendTestEvent(actor: Actor, networkId: string, webhookId: string) {
  return transaction(async (tx) => {
    const webhook = await findWebhook(networkId, webhookId, tx);
    if (!webhook.enabled) throw new AppError("conflict", "Enable the webhook first");
    const payload: WebhookPayload = { type: TEST_EVENT, timestamp: new Date().toISOString(), networkId, data: { message: "A test event from Nebula Commander", requestedBy: { id: actor.id, name: actor.displayName } } };
    return { deliveryId: await enqueueDelivery(tx, webhookId, networkId, payload) };
  });
}

/** Sends a past delivery's body again, as a new delivery (a new webhook-id: the receiver asked for it again). */
export async function redeliver(networkId: string, webhookId: string, deliveryId: string) {
  return transaction(async (tx) => {
    const webhook = await findWebhook(networkId, webhookId, tx);
    if (!webhook.enabled) throw new AppError("conflict", "Enable the webhook first");
    const original = await tx.webhookDelivery.findFirst({ where: { id: deliveryId, endpointId: webhookId } });
    if (!original) throw new AppError("not_found", "Delivery not found");
    return { deliveryId: await enqueueDelivery(tx, webhookId, networkId, original.payload as unknown as WebhookPayload) };
  });
}

/** The delivery log, newest first, with when pg-boss will try a retrying one again. */
export async function listDeliveries(networkId: string, webhookId: string, limit = 50) {
  await findWebhook(networkId, webhookId);
  const rows = await db.webhookDelivery.findMany({ where: { endpointId: webhookId }, orderBy: { createdAt: "desc" }, take: limit });
  const retrying = rows.filter((r) => r.status === "retrying" && r.jobId).map((r) => r.jobId!);
  const nextRetry = new Map<string, Date>();
  if (retrying.length) {
    const jobs = await db.$queryRawUnsafe<Array<{ id: string; start_after: Date }>>(
      `SELECT id::text, start_after FROM ${BOSS_SCHEMA}.job WHERE name = $1 AND state = 'retry' AND id = ANY($2::uuid[])`,
      DELIVERY_QUEUE,
      retrying,
    );
    for (const job of jobs) nextRetry.set(job.id, job.start_after);
  }
  return rows.map((r) => ({
    id: r.id,
    eventType: r.eventType,
    status: r.status,
    attempts: r.attempts,
    statusCode: r.lastStatusCode,
    durationMs: r.lastDurationMs,
    error: r.lastError,
    nextRetryAt: r.jobId && nextRetry.has(r.jobId) ? nextRetry.get(r.jobId)!.toISOString() : null,
    requestExcerpt: r.requestExcerpt ?? JSON.stringify(r.payload),
    responseExcerpt: r.responseExcerpt,
    lastAttemptAt: r.lastAttemptAt?.toISOString() ?? null,
    deliveredAt: r.deliveredAt?.toISOString() ?? null,
    createdAt: r.createdAt.toISOString(),
  }));
}
