/**
 * Emitting an event: one delivery row and one queued job per enabled webhook of the network that
 * subscribed to it, written with the caller's transaction, so the event exists exactly when the
 * change it reports committed. A network without webhooks pays one indexed query.
 */
import { randomUUID } from "node:crypto";
import type { Tx } from "@/lib/db/client";
import type { Prisma } from "@/lib/generated/prisma/client";
import type { WebhookEvent, WebhookPayload } from "./events";
import { enqueueDeliveryJob } from "./queue";

export async function emitWebhookEvents(tx: Tx, networkId: string, events: WebhookEvent[], onlyEndpointIds?: string[]): Promise<number> {
  if (!events.length) return 0;
  const endpoints = await tx.webhookEndpoint.findMany({
    where: { networkId, enabled: true, events: { hasSome: events.map((e) => e.type) }, ...(onlyEndpointIds ? { id: { in: onlyEndpointIds } } : {}) },
    select: { id: true, events: true },
  });
  let count = 0;
  const timestamp = new Date().toISOString();
  for (const event of events) {
    for (const endpoint of endpoints) {
      if (!endpoint.events.includes(event.type)) continue;
      await enqueueDelivery(tx, endpoint.id, networkId, { type: event.type, timestamp, networkId, data: event.data });
      count++;
    }
  }
  return count;
}

export function emitWebhookEvent(tx: Tx, networkId: string, type: WebhookEvent["type"], data: Record<string, unknown>): Promise<number> {
  return emitWebhookEvents(tx, networkId, [{ type, data }]);
}

/** A delivery row and its job. Its id is the `webhook-id` header: the same on every retry, so receivers can drop duplicates. */
export async function enqueueDelivery(tx: Tx, endpointId: string, networkId: string, payload: WebhookPayload): Promise<string> {
  const id = randomUUID();
  const jobId = randomUUID();
  await tx.webhookDelivery.create({
    data: { id, endpointId, networkId, eventType: payload.type, payload: payload as unknown as Prisma.InputJsonValue, jobId },
  });
  await enqueueDeliveryJob(tx, id, jobId);
  return id;
}
