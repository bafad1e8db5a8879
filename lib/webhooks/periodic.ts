/**
 * The events no request causes: hosts going offline and coming back (judged from their last
 * reports by the same rule the UI uses, lib/nodes/host-status.ts), and certificates nearing their
 * end. pg-boss's cron runs each of these once a minute across all replicas; each also takes an
 * advisory lock and remembers what it emitted, so a transition or a certificate is reported once
 * even if two runs overlap.
 */
import { advisoryLock, transaction } from "@/lib/db/client";
import { offlineAfterSeconds } from "@/lib/nodes/host-status";
import { CA_WARN_DAYS } from "@/lib/pki/ca-rotation";
import { DEFAULT_EXPIRING_DAYS } from "./event-types";
import { emitWebhookEvents } from "./emit";
import type { WebhookEvent } from "./events";

/**
 * A node seen for the first time is only recorded (no event): "came back" needs a "went offline"
 * before it. Returns how many events were emitted.
 */
export async function emitHostTransitions(now = new Date()): Promise<number> {
  return transaction(async (tx) => {
    await advisoryLock(tx, "webhooks:host-transitions");
    const subscribed = await tx.webhookEndpoint.findMany({
      where: { enabled: true, events: { hasSome: ["node.went_offline", "node.came_back"] } },
      select: { networkId: true, network: { select: { pollSeconds: true } } },
      distinct: ["networkId"],
    });
    let emitted = 0;
    for (const { networkId, network } of subscribed) {
      const nodes = await tx.node.findMany({
        where: { networkId, status: "active", lastSeenAt: { not: null } },
        select: { id: true, name: true, lastSeenAt: true, webhookHostState: { select: { online: true } } },
      });
      const events: WebhookEvent[] = [];
      for (const node of nodes) {
        const online = (now.getTime() - node.lastSeenAt!.getTime()) / 1000 <= offlineAfterSeconds(network.pollSeconds);
        const previous = node.webhookHostState?.online;
        if (previous === online) continue;
        await tx.webhookHostState.upsert({ where: { nodeId: node.id }, create: { nodeId: node.id, online, changedAt: now }, update: { online, changedAt: now } });
        if (previous === undefined) continue;
        events.push({ type: online ? "node.came_back" : "node.went_offline", data: { node: { id: node.id, name: node.name }, lastSeenAt: node.lastSeenAt!.toISOString() } });
      }
      emitted += await emitWebhookEvents(tx, networkId, events);
    }
    return emitted;
  });
}

/**
 * certificate.expiring for each node's newest unrevoked certificate that ends within a webhook's
 * threshold (its own number of days, or 14): once per certificate and threshold.
 */
export async function emitExpiringCertificates(now = new Date()): Promise<number> {
  return transaction(async (tx) => {
    await advisoryLock(tx, "webhooks:cert-expiry");
    const endpoints = await tx.webhookEndpoint.findMany({ where: { enabled: true, events: { has: "certificate.expiring" } }, select: { id: true, networkId: true, expiringDays: true } });
    const groups = new Map<string, { networkId: string; days: number; endpointIds: string[] }>();
    for (const e of endpoints) {
      const days = e.expiringDays ?? DEFAULT_EXPIRING_DAYS;
      const key = `${e.networkId}:${days}`;
      const group = groups.get(key) ?? { networkId: e.networkId, days, endpointIds: [] };
      group.endpointIds.push(e.id);
      groups.set(key, group);
    }
    let emitted = 0;
    for (const { networkId, days, endpointIds } of groups.values()) {
      const horizon = new Date(now.getTime() + days * 86_400_000);
      const noticed = await tx.$queryRaw<Array<{ id: string; name: string; nodeId: string; fingerprint: string; notAfter: Date }>>`
        WITH fresh AS (
          INSERT INTO "WebhookCertNotice" ("certificateId", days)
          SELECT c.id, ${days}::int FROM "Certificate" c
          WHERE c."networkId" = ${networkId}::uuid AND c."revokedAt" IS NULL AND c."nodeId" IS NOT NULL
            AND c."notAfter" > ${now} AND c."notAfter" <= ${horizon}
            AND NOT EXISTS (SELECT 1 FROM "Certificate" n WHERE n."nodeId" = c."nodeId" AND n."createdAt" > c."createdAt")
          ON CONFLICT DO NOTHING
          RETURNING "certificateId"
        )
        SELECT c.id::text, c.name, c."nodeId"::text AS "nodeId", c.fingerprint, c."notAfter" FROM "Certificate" c JOIN fresh ON fresh."certificateId" = c.id`;
      const events: WebhookEvent[] = noticed.map((c) => ({
        type: "certificate.expiring",
        data: { certificate: { id: c.id, name: c.name, fingerprint: c.fingerprint, notAfter: c.notAfter.toISOString() }, node: { id: c.nodeId, name: c.name }, daysAhead: days },
      }));
      emitted += await emitWebhookEvents(tx, networkId, events, endpointIds);
    }
    return emitted;
  });
}

/**
 * ca.expiring for each trusted CA (current, or the previous one of a rotation) once it is within
 * 90 days of its end and again within 30 (lib/pki/ca-rotation.ts CA_WARN_DAYS): once per CA and
 * threshold, remembered in WebhookCaNotice. Replacing a CA takes every host, so the warning is
 * fixed and early rather than per webhook.
 */
export async function emitExpiringCas(now = new Date()): Promise<number> {
  return transaction(async (tx) => {
    await advisoryLock(tx, "webhooks:ca-expiry");
    const subscribed = await tx.webhookEndpoint.findMany({ where: { enabled: true, events: { has: "ca.expiring" } }, select: { networkId: true }, distinct: ["networkId"] });
    let emitted = 0;
    for (const { networkId } of subscribed) {
      const events: WebhookEvent[] = [];
      // The nearer threshold first: a CA found at 20 days left is noted for 30 and 90 at once, with one event.
      const thresholds = [...CA_WARN_DAYS].sort((a, b) => a - b);
      const seen = new Set<string>();
      for (const days of thresholds) {
        const horizon = new Date(now.getTime() + days * 86_400_000);
        const noticed = await tx.$queryRaw<Array<{ id: string; name: string; fingerprint: string; notAfter: Date; state: string }>>`
          WITH fresh AS (
            INSERT INTO "WebhookCaNotice" ("caId", days)
            SELECT c.id, ${days}::int FROM "Ca" c
            WHERE c."networkId" = ${networkId}::uuid AND c.state IN ('current', 'previous') AND c."notAfter" > ${now} AND c."notAfter" <= ${horizon}
            ON CONFLICT DO NOTHING
            RETURNING "caId"
          )
          SELECT c.id::text, c.name, c.fingerprint, c."notAfter", c.state::text FROM "Ca" c JOIN fresh ON fresh."caId" = c.id`;
        for (const c of noticed) {
          if (seen.has(c.id)) continue;
          seen.add(c.id);
          events.push({ type: "ca.expiring", data: { ca: { id: c.id, name: c.name, fingerprint: c.fingerprint, notAfter: c.notAfter.toISOString(), state: c.state }, daysAhead: days } });
        }
      }
      emitted += await emitWebhookEvents(tx, networkId, events);
    }
    return emitted;
  });
}
