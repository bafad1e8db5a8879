/**
 * ca.expiring (issue 12 part 1): a trusted CA is announced 90 days before its end and again at 30,
 * once per CA and threshold; a retired CA never is. Real database, real pg-boss queue, real receiver.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as networks from "@/app/api/v1/networks/route";
import * as webhooksRoute from "@/app/api/v1/networks/[networkId]/webhooks/route";
import { db } from "@/lib/db/client";
import { call, createTestUser, freshCidr } from "@/lib/testing/api-harness";
import { startWebhookReceiver, type WebhookReceiver } from "@/lib/testing/webhook-receiver";
import { startWebhookWorker, type WebhookWorker } from "./worker";
import { emitExpiringCas } from "./periodic";

process.env.NC_WEBHOOK_ALLOW_PRIVATE = "1";

let worker: WebhookWorker;
let receiver: WebhookReceiver;
let networkId: string;
let webhookId: string;
const DAY = 86_400_000;

beforeAll(async () => {
  const owner = await createTestUser({ name: "ca-expiring-owner" });
  networkId = (await call(networks.POST, "POST", { as: owner, body: { name: "ca-expiring-net", cidr: freshCidr() } })).json.network.id;
  receiver = await startWebhookReceiver();
  worker = await startWebhookWorker({ pollingIntervalSeconds: 0.5, schedule: false });
  const r = await call(webhooksRoute.POST, "POST", { as: owner, params: { networkId }, body: { url: receiver.url, events: ["ca.expiring"] } });
  expect(r.status, JSON.stringify(r.json)).toBe(201);
  webhookId = r.json.webhook.id;
});

afterAll(async () => {
  await worker?.stop();
  await receiver?.close();
});

describe("ca.expiring", () => {
  it("fires at 90 days and again at 30, once each, and never for a retired CA", async () => {
    const events = async () => (await db.webhookDelivery.findMany({ where: { endpointId: webhookId }, orderBy: { createdAt: "asc" } })).map((d) => d.payload as { type: string; data: { daysAhead: number; ca: { id: string } } });
    const ca = await db.ca.findFirstOrThrow({ where: { networkId, state: "current" } });
    await emitExpiringCas();
    expect(await events()).toHaveLength(0); // two years out

    await db.ca.update({ where: { id: ca.id }, data: { notAfter: new Date(Date.now() + 80 * DAY) } });
    await emitExpiringCas();
    await emitExpiringCas();
    expect((await events()).map((e) => [e.type, e.data.daysAhead, e.data.ca.id])).toEqual([["ca.expiring", 90, ca.id]]);

    await db.ca.update({ where: { id: ca.id }, data: { notAfter: new Date(Date.now() + 20 * DAY) } });
    await emitExpiringCas();
    expect((await events()).map((e) => e.data.daysAhead)).toEqual([90, 30]);

    await db.ca.update({ where: { id: ca.id }, data: { state: "retired", retiredAt: new Date() } });
    await db.webhookCaNotice.deleteMany({ where: { caId: ca.id } });
    await emitExpiringCas();
    expect(await events()).toHaveLength(2);
  });
});
