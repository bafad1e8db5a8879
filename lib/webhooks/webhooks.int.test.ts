/**
 * Outgoing webhooks against the real database, a real pg-boss worker and a real HTTP receiver on
 * 127.0.0.1 (allowed here with NC_WEBHOOK_ALLOW_PRIVATE, as an operator would).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as networks from "@/app/api/v1/networks/route";
import * as webhooksRoute from "@/app/api/v1/networks/[networkId]/webhooks/route";
import * as webhookRoute from "@/app/api/v1/networks/[networkId]/webhooks/[webhookId]/route";
import * as rotateRoute from "@/app/api/v1/networks/[networkId]/webhooks/[webhookId]/rotate-secret/route";
import * as testRoute from "@/app/api/v1/networks/[networkId]/webhooks/[webhookId]/test/route";
import * as deliveriesRoute from "@/app/api/v1/networks/[networkId]/webhooks/[webhookId]/deliveries/route";
import * as redeliverRoute from "@/app/api/v1/networks/[networkId]/webhooks/[webhookId]/deliveries/[deliveryId]/redeliver/route";
import * as rules from "@/app/api/v1/networks/[networkId]/rules/route";
import * as links from "@/app/api/v1/networks/[networkId]/links/route";
import * as members from "@/app/api/v1/networks/[networkId]/members/route";
import * as block from "@/app/api/v1/networks/[networkId]/nodes/[nodeId]/block/route";
import * as enrollRoute from "@/app/api/v1/enroll/route";
import { db } from "@/lib/db/client";
import { call, createTestUser, freshCidr, type TestUser } from "@/lib/testing/api-harness";
import { hostKeyPair } from "@/lib/testing/nebula-tools";
import { startWebhookReceiver, type WebhookReceiver } from "@/lib/testing/webhook-receiver";
import { startWebhookWorker, type WebhookWorker } from "./worker";
import { emitExpiringCertificates, emitHostTransitions } from "./periodic";
import { postWebhook } from "./deliver";
import { BOSS_SCHEMA, DELIVERY_QUEUE } from "./queue";
import { rotateMasterKey } from "@/lib/pki/key-rotation";
import { keyIdOf, parseMasterKey } from "@/lib/pki/secret-box";
import { randomBytes } from "node:crypto";

process.env.NC_WEBHOOK_ALLOW_PRIVATE = "1";
process.env.NC_WEBHOOK_RETRY_BASE_SECONDS = "1";
process.env.NC_WEBHOOK_RETRY_LIMIT = "4";

let admin: TestUser;
let networkId: string;
let worker: WebhookWorker;
let receiver: WebhookReceiver;

const ruleBody = { direction: "inbound", port: "443", proto: "tcp", peer: { kind: "any" }, appliesTo: { kind: "all" }, description: "https" };

async function createWebhook(events: string[], url = receiver.url, extra: Record<string, unknown> = {}) {
  const r = await call(webhooksRoute.POST, "POST", { as: admin, params: { networkId }, body: { url, events, description: "test receiver", ...extra } });
  expect(r.status, JSON.stringify(r.json)).toBe(201);
  return r.json as { webhook: { id: string }; secret: string };
}

async function waitForDelivery(id: string, status: string, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const row = await db.webhookDelivery.findUniqueOrThrow({ where: { id } });
    if (row.status === status) return row;
    if (Date.now() > deadline) throw new Error(`Delivery ${id} is ${row.status} after ${row.attempts} attempts (${row.lastError}), not ${status}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

beforeAll(async () => {
  admin = await createTestUser();
  const created = await call(networks.POST, "POST", { as: admin, body: { name: "webhooks-net", cidr: freshCidr() } });
  networkId = created.json.network.id;
  receiver = await startWebhookReceiver();
  worker = await startWebhookWorker({ pollingIntervalSeconds: 0.5, schedule: false });
});

afterAll(async () => {
  await worker?.stop();
  await receiver?.close();
});

describe("a signed delivery", () => {
  it("reaches a real receiver that verifies the signature and the timestamp, inside the change's transaction", async () => {
    const { webhook, secret } = await createWebhook(["rules.changed"]);
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    receiver.secret = secret;
    const before = receiver.received.length;
    const rule = await call(rules.POST, "POST", { as: admin, params: { networkId }, body: ruleBody });
    expect(rule.status, JSON.stringify(rule.json)).toBe(201);
    // Written with the rule: the delivery row and its queued job exist as soon as the change committed.
    const delivery = await db.webhookDelivery.findFirstOrThrow({ where: { endpointId: webhook.id }, orderBy: { createdAt: "desc" } });
    expect(delivery.eventType).toBe("rules.changed");
    const jobs = await db.$queryRawUnsafe<unknown[]>(`SELECT id FROM ${BOSS_SCHEMA}.job WHERE name = $1 AND id = $2::uuid`, DELIVERY_QUEUE, delivery.jobId);
    expect(jobs).toHaveLength(1);

    const [got] = (await receiver.waitFor(before + 1)).slice(before);
    expect(got!.verified).toBe(true);
    expect(got!.headers["webhook-id"]).toBe(delivery.id);
    expect(Math.abs(Number(got!.headers["webhook-timestamp"]) - Date.now() / 1000)).toBeLessThan(30);
    const body = JSON.parse(got!.body);
    expect(body).toMatchObject({ type: "rules.changed", networkId, data: { change: "created", rule: { description: "https" } } });
    const done = await waitForDelivery(delivery.id, "delivered");
    expect(done).toMatchObject({ attempts: 1, lastStatusCode: 200 });

    // The stored secret is sealed, never the plain text; the API never shows it again.
    const row = await db.webhookEndpoint.findUniqueOrThrow({ where: { id: webhook.id }, select: { secretCiphertext: true } });
    expect(row.secretCiphertext).toMatch(/^nc1:/);
    expect(row.secretCiphertext).not.toContain(secret.slice(6));
    const listed = await call(webhooksRoute.GET, "GET", { as: admin, params: { networkId } });
    expect(JSON.stringify(listed.json)).not.toContain(secret.slice(6));
    const audit = await db.auditEvent.findMany({ where: { networkId, targetId: webhook.id } });
    expect(audit.map((a) => a.action)).toEqual(["webhook.create"]);
    expect(JSON.stringify(audit)).not.toContain(secret.slice(6));
    await call(webhookRoute.DELETE, "DELETE", { as: admin, params: { networkId, webhookId: webhook.id } });
  });

  it("a receiver that fails twice (500) gets it on the third attempt, with growing delays between", async () => {
    const { webhook, secret } = await createWebhook(["rules.changed"]);
    receiver.secret = secret;
    receiver.script = [500, 500];
    const before = receiver.received.length;
    const sent = await call(testRoute.POST, "POST", { as: admin, params: { networkId, webhookId: webhook.id } });
    expect(sent.status, JSON.stringify(sent.json)).toBe(202);
    const done = await waitForDelivery(sent.json.deliveryId, "delivered");
    expect(done.attempts).toBe(3);
    const attempts = receiver.received.slice(before);
    expect(attempts.map((a) => a.answered)).toEqual([500, 500, 200]);
    expect(attempts.every((a) => a.verified && a.headers["webhook-id"] === sent.json.deliveryId)).toBe(true);
    // Base 1 s: the first retry after 1-2 s, the second after 2-4 s.
    const gaps = [attempts[1]!.at - attempts[0]!.at, attempts[2]!.at - attempts[1]!.at];
    expect(gaps[0]).toBeGreaterThanOrEqual(900);
    expect(gaps[1]).toBeGreaterThanOrEqual(1900);

    const log = await call(deliveriesRoute.GET, "GET", { as: admin, params: { networkId, webhookId: webhook.id } });
    expect(log.status).toBe(200);
    expect(log.json.deliveries[0]).toMatchObject({ id: sent.json.deliveryId, eventType: "webhook.test", status: "delivered", attempts: 3, statusCode: 200, responseExcerpt: "ok" });

    // Redeliver: the same body again as a new delivery.
    const again = await call(redeliverRoute.POST, "POST", { as: admin, params: { networkId, webhookId: webhook.id, deliveryId: sent.json.deliveryId } });
    expect(again.status).toBe(202);
    await waitForDelivery(again.json.deliveryId, "delivered");
    expect(JSON.parse(receiver.received.at(-1)!.body)).toEqual(JSON.parse(attempts[0]!.body));
    await call(webhookRoute.DELETE, "DELETE", { as: admin, params: { networkId, webhookId: webhook.id } });
  });

  it("after a secret rotation, deliveries are signed with the new secret only", async () => {
    const { webhook, secret } = await createWebhook(["rules.changed"]);
    const rotated = await call(rotateRoute.POST, "POST", { as: admin, params: { networkId, webhookId: webhook.id } });
    expect(rotated.status).toBe(200);
    expect(rotated.json.secret).not.toBe(secret);
    receiver.secret = secret;
    const sent = await call(testRoute.POST, "POST", { as: admin, params: { networkId, webhookId: webhook.id } });
    await waitForDelivery(sent.json.deliveryId, "delivered");
    expect(receiver.received.at(-1)!.verified).toBe(false);
    receiver.secret = rotated.json.secret;
    const next = await call(testRoute.POST, "POST", { as: admin, params: { networkId, webhookId: webhook.id } });
    await waitForDelivery(next.json.deliveryId, "delivered");
    expect(receiver.received.at(-1)!.verified).toBe(true);
    const audit = await db.auditEvent.findMany({ where: { networkId, targetId: webhook.id }, orderBy: { createdAt: "asc" } });
    expect(audit.map((a) => a.action)).toEqual(["webhook.create", "webhook.rotate"]);
    const patched = await call(webhookRoute.PATCH, "PATCH", { as: admin, params: { networkId, webhookId: webhook.id }, body: { enabled: false } });
    expect(patched.json.webhook.enabled).toBe(false);
    await call(webhookRoute.DELETE, "DELETE", { as: admin, params: { networkId, webhookId: webhook.id } });
    const actions = (await db.auditEvent.findMany({ where: { networkId, targetId: webhook.id } })).map((a) => a.action).sort();
    expect(actions).toEqual(["webhook.create", "webhook.delete", "webhook.rotate", "webhook.update"]);
  });
});

describe("master-key rotation", () => {
  it("re-seals webhook secrets too, so deliveries still sign after the old key is dropped", async () => {
    const { webhook, secret } = await createWebhook(["rules.changed"]);
    const oldKey = process.env.NC_MASTER_KEY!;
    const newKey = randomBytes(32).toString("base64");
    await rotateMasterKey({ ...process.env, NC_MASTER_KEY: newKey, NC_MASTER_KEY_PREVIOUS: oldKey } as NodeJS.ProcessEnv);
    try {
      const row = await db.webhookEndpoint.findUniqueOrThrow({ where: { id: webhook.id }, select: { secretCiphertext: true } });
      expect(keyIdOf(row.secretCiphertext)).toBe(parseMasterKey(newKey).id);
    } finally {
      await rotateMasterKey({ ...process.env, NC_MASTER_KEY: oldKey, NC_MASTER_KEY_PREVIOUS: newKey } as NodeJS.ProcessEnv);
    }
    receiver.secret = secret;
    const sent = await call(testRoute.POST, "POST", { as: admin, params: { networkId, webhookId: webhook.id } });
    await waitForDelivery(sent.json.deliveryId, "delivered");
    expect(receiver.received.at(-1)!.verified).toBe(true);
    await call(webhookRoute.DELETE, "DELETE", { as: admin, params: { networkId, webhookId: webhook.id } });
  });
});

describe("every event comes from the real code path", () => {
  let webhookId: string;
  const eventsOf = async () => (await db.webhookDelivery.findMany({ where: { endpointId: webhookId }, orderBy: { createdAt: "asc" } })).map((d) => d.payload as { type: string; data: Record<string, unknown> });

  beforeAll(async () => {
    const all = ["node.enrolled", "node.blocked", "node.went_offline", "node.came_back", "certificate.expiring", "rules.changed", "link.used", "member.changed"];
    const { webhook, secret } = await createWebhook(all, receiver.url, { expiringDays: 10 });
    webhookId = webhook.id;
    receiver.secret = secret;
  });

  afterAll(async () => {
    await call(webhookRoute.DELETE, "DELETE", { as: admin, params: { networkId, webhookId } });
  });

  it("enroll → node.enrolled and link.used; block → node.blocked; rule → rules.changed; member → member.changed", async () => {
    const link = await call(links.POST, "POST", { as: admin, params: { networkId }, body: { description: "hook link" } });
    expect(link.status, JSON.stringify(link.json)).toBe(201);
    const enrolled = await call(enrollRoute.POST, "POST", { body: { token: link.json.token, hostname: "hooked1", publicKeyPem: (await hostKeyPair()).publicKeyPem }, headers: { "x-nc-client-ip": "198.51.100.77" } });
    expect(enrolled.status, JSON.stringify(enrolled.json)).toBe(201);
    const nodeId = enrolled.json.nodeId as string;
    expect((await call(block.POST, "POST", { as: admin, params: { networkId, nodeId } })).status).toBe(200);
    expect((await call(rules.POST, "POST", { as: admin, params: { networkId }, body: ruleBody })).status).toBe(201);
    const other = await createTestUser();
    expect((await call(members.POST, "POST", { as: admin, params: { networkId }, body: { userId: other.id, role: "viewer" } })).status).toBe(201);

    const events = await eventsOf();
    expect(events.map((e) => e.type)).toEqual(["node.enrolled", "link.used", "node.blocked", "rules.changed", "member.changed"]);
    expect(events[0]!.data).toMatchObject({ node: { id: nodeId, name: "hooked1" }, link: { id: link.json.link.id } });
    expect(events[1]!.data).toMatchObject({ node: { id: nodeId }, clientIp: "198.51.100.77" });
    expect(events[2]!.data).toMatchObject({ node: { id: nodeId, name: "hooked1" } });
    expect(events[4]!.data).toMatchObject({ change: "added", userId: other.id, role: "viewer" });
    // And they arrive, signed.
    await receiver.waitFor(receiver.received.length);
    for (const d of await db.webhookDelivery.findMany({ where: { endpointId: webhookId } })) await waitForDelivery(d.id, "delivered");
  });

  it("the periodic jobs: offline and back once per transition, expiring certificates once per threshold", async () => {
    const link = await call(links.POST, "POST", { as: admin, params: { networkId }, body: { description: "periodic" } });
    const enrolled = await call(enrollRoute.POST, "POST", { body: { token: link.json.token, hostname: "hooked2", publicKeyPem: (await hostKeyPair()).publicKeyPem }, headers: { "x-nc-client-ip": "198.51.100.78" } });
    expect(enrolled.status, JSON.stringify(enrolled.json)).toBe(201);
    const nodeId = enrolled.json.nodeId as string;
    await db.webhookDelivery.deleteMany({ where: { endpointId: webhookId } });

    // The jobs look at every network; this test counts what reached its own webhook.
    const count = async () => (await eventsOf()).length;
    await db.node.update({ where: { id: nodeId }, data: { lastSeenAt: new Date() } });
    await emitHostTransitions();
    expect(await count()).toBe(0); // first sight: recorded, nothing to report
    await db.node.update({ where: { id: nodeId }, data: { lastSeenAt: new Date(Date.now() - 10 * 60_000) } });
    await emitHostTransitions();
    expect(await count()).toBe(1);
    await emitHostTransitions();
    expect(await count()).toBe(1); // once per transition
    await db.node.update({ where: { id: nodeId }, data: { lastSeenAt: new Date() } });
    await emitHostTransitions();
    await emitHostTransitions();
    expect(await count()).toBe(2);

    // The node's certificate is a year long: not yet within 10 days; then 5 days from its end.
    await emitExpiringCertificates();
    expect(await count()).toBe(2);
    const cert = await db.certificate.findFirstOrThrow({ where: { nodeId }, orderBy: { createdAt: "desc" } });
    await db.certificate.update({ where: { id: cert.id }, data: { notAfter: new Date(Date.now() + 5 * 86_400_000) } });
    await emitExpiringCertificates();
    await emitExpiringCertificates();
    expect(await count()).toBe(3); // once per certificate and threshold

    const events = await eventsOf();
    expect(events.map((e) => e.type)).toEqual(["node.went_offline", "node.came_back", "certificate.expiring"]);
    expect(events[0]!.data).toMatchObject({ node: { id: nodeId, name: "hooked2" } });
    expect(events[2]!.data).toMatchObject({ certificate: { id: cert.id, fingerprint: cert.fingerprint }, daysAhead: 10 });
  });
});

describe("URL safety (SSRF)", () => {
  const refused: Array<[string, string]> = [
    ["loopback IPv4", "http://127.0.0.1:9/x"],
    ["loopback IPv6", "http://[::1]:9/x"],
    ["cloud metadata", "http://169.254.169.254/latest/meta-data/"],
    ["RFC 1918 10/8", "http://10.1.2.3/x"],
    ["RFC 1918 192.168/16", "https://192.168.1.10/x"],
    ["ULA fd00::/8", "http://[fd00::1]/x"],
    ["CGNAT", "http://100.64.0.1/x"],
    ["unspecified", "http://0.0.0.0/x"],
    ["IPv4-mapped loopback", "http://[::ffff:127.0.0.1]/x"],
    ["localhost by name", "http://localhost:9/x"],
  ];

  it.each(refused)("refuses %s when the webhook is created", async (_label, url) => {
    const saved = process.env.NC_WEBHOOK_ALLOW_PRIVATE;
    delete process.env.NC_WEBHOOK_ALLOW_PRIVATE;
    try {
      const r = await call(webhooksRoute.POST, "POST", { as: admin, params: { networkId }, body: { url, events: ["rules.changed"] } });
      expect(r.status).toBe(400);
      expect(r.json.error.fields.url.join(" ")).toMatch(/address|server itself/);
    } finally {
      process.env.NC_WEBHOOK_ALLOW_PRIVATE = saved;
    }
  });

  it.each([
    ["a URL with credentials", "https://user:pass@hooks.example.com/x"],
    ["another scheme", "ftp://hooks.example.com/x"],
  ])("refuses %s", async (_label, url) => {
    const r = await call(webhooksRoute.POST, "POST", { as: admin, params: { networkId }, body: { url, events: ["rules.changed"] } });
    expect(r.status).toBe(400);
  });

  it.each(refused)("refuses %s at delivery time, after DNS resolution, without connecting", async (_label, url) => {
    const saved = process.env.NC_WEBHOOK_ALLOW_PRIVATE;
    delete process.env.NC_WEBHOOK_ALLOW_PRIVATE;
    try {
      const result = await postWebhook(url.replace(/:9\//, `:${new URL(receiver.url).port}/`), {}, "{}");
      expect(result.statusCode).toBeNull();
      expect(result.error).toMatch(/^Refused: /);
    } finally {
      process.env.NC_WEBHOOK_ALLOW_PRIVATE = saved;
    }
  });

  it("a name that resolves to a private address is refused at delivery even though it passed creation (DNS rebinding)", async () => {
    const { webhook } = await createWebhook(["rules.changed"], receiver.url.replace("127.0.0.1", "localtest.invalid"));
    // Saved while allowed; now the operator's allowance is gone, and the receiver's real name resolves to loopback.
    await db.webhookEndpoint.update({ where: { id: webhook.id }, data: { url: receiver.url.replace("127.0.0.1", "localhost") } });
    const saved = process.env.NC_WEBHOOK_ALLOW_PRIVATE;
    delete process.env.NC_WEBHOOK_ALLOW_PRIVATE;
    const before = receiver.received.length;
    try {
      const sent = await call(testRoute.POST, "POST", { as: admin, params: { networkId, webhookId: webhook.id } });
      const deadline = Date.now() + 15_000;
      let row = await db.webhookDelivery.findUniqueOrThrow({ where: { id: sent.json.deliveryId } });
      while (row.attempts === 0 && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 100));
        row = await db.webhookDelivery.findUniqueOrThrow({ where: { id: sent.json.deliveryId } });
      }
      expect(row.status).toBe("retrying");
      expect(row.lastError).toMatch(/^Refused: localhost: 127\.0\.0\.1 is a loopback address/);
      expect(receiver.received.length).toBe(before);
    } finally {
      process.env.NC_WEBHOOK_ALLOW_PRIVATE = saved;
      await call(webhookRoute.DELETE, "DELETE", { as: admin, params: { networkId, webhookId: webhook.id } });
    }
  });

  it("metadata addresses stay refused even with NC_WEBHOOK_ALLOW_PRIVATE, unless listed in NC_WEBHOOK_ALLOWED_CIDRS", async () => {
    const r = await call(webhooksRoute.POST, "POST", { as: admin, params: { networkId }, body: { url: "http://169.254.169.254/", events: ["rules.changed"] } });
    expect(r.status).toBe(400);
    expect(r.json.error.fields.url[0]).toMatch(/metadata/);
    process.env.NC_WEBHOOK_ALLOWED_CIDRS = "169.254.169.254/32";
    try {
      const allowed = await call(webhooksRoute.POST, "POST", { as: admin, params: { networkId }, body: { url: "http://169.254.169.254/", events: ["rules.changed"] } });
      expect(allowed.status).toBe(201);
      await call(webhookRoute.DELETE, "DELETE", { as: admin, params: { networkId, webhookId: allowed.json.webhook.id } });
    } finally {
      delete process.env.NC_WEBHOOK_ALLOWED_CIDRS;
    }
  });
});
