/**
 * Expiry and health at a glance, for the networks dashboard and each network's overview: hosts
 * offline, with nebula down, or behind; certificates about to expire (or expired and still
 * unrevoked), each node's newest only; CAs that expire within a year. Counted by Postgres with one aggregate query per
 * table for any number of networks, so that 10,000 nodes are never loaded to count them.
 *
 * The host states follow hostStatus() in host-status.ts exactly (offline before down before
 * behind; only active hosts that have polled at least once); fleet-health.int.test.ts holds the
 * SQL, the nodes list's filter (hostStateWhere) and hostStatus() to the same answers.
 */
import { db } from "@/lib/db/client";
import { Prisma } from "@/lib/generated/prisma/client";
import { CERT_EXPIRY_WARNING_DAYS } from "@/lib/pki/certificate-query";

export { CERT_EXPIRY_WARNING_DAYS };
/** A CA takes planning to replace (every host needs the new one): a year's warning. */
export const CA_EXPIRY_WARNING_DAYS = 365;

const DAY_MS = 86_400_000;

export interface FleetHealth {
  nodesOffline: number;
  nodesDown: number;
  nodesBehind: number;
  /** Unrevoked, not yet expired, expiring within CERT_EXPIRY_WARNING_DAYS. */
  certsExpiringSoon: number;
  /** Unrevoked and already expired: their hosts cannot connect. */
  certsExpired: number;
  /** CAs still trusted (not retired) expiring within CA_EXPIRY_WARNING_DAYS (or already expired). */
  casExpiringSoon: number;
  /** The earliest notAfter among those CAs, ISO. */
  caExpiresAt: string | null;
}

export const emptyFleetHealth = (): FleetHealth => ({ nodesOffline: 0, nodesDown: 0, nodesBehind: 0, certsExpiringSoon: 0, certsExpired: 0, casExpiringSoon: 0, caExpiresAt: null });

export function needsAttention(h: FleetHealth): boolean {
  return h.nodesOffline + h.nodesDown + h.nodesBehind + h.certsExpiringSoon + h.certsExpired + h.casExpiringSoon > 0;
}

/** Per network id; networks with nothing to report are present with zeros. */
export async function fleetHealthOf(networkIds: string[], now = new Date()): Promise<Map<string, FleetHealth>> {
  const result = new Map(networkIds.map((id) => [id, emptyFleetHealth()]));
  if (networkIds.length === 0) return result;
  const ids = Prisma.sql`ARRAY[${Prisma.join(networkIds.map((id) => Prisma.sql`${id}::uuid`))}]`;
  // An explicit ISO instant, as in certificate-query.ts: never dependent on how a Date is bound.
  const at = now.toISOString();
  const certSoon = new Date(now.getTime() + CERT_EXPIRY_WARNING_DAYS * DAY_MS).toISOString();
  const caSoon = new Date(now.getTime() + CA_EXPIRY_WARNING_DAYS * DAY_MS).toISOString();
  const offline = Prisma.sql`n."lastSeenAt" < ${at}::timestamptz - make_interval(secs => w."pollSeconds" * 1.5 + 2)`;
  const down = Prisma.sql`coalesce(n."nebulaState" IN ('stopped', 'failed'), false)`;
  const current = Prisma.sql`(n."renderedEtag" IS NOT NULL AND n."renderedRevision" = w."configRevision"
    AND (coalesce(n."appliedEtag" = n."renderedEtag", false) OR coalesce(n."fetchedEtag" = n."renderedEtag", false)))`;
  const [nodes, certs, cas] = await Promise.all([
    db.$queryRaw<Array<{ networkId: string; offline: number; down: number; behind: number }>>`
      SELECT n."networkId",
             count(*) FILTER (WHERE ${offline})::int AS offline,
             count(*) FILTER (WHERE NOT (${offline}) AND ${down})::int AS down,
             count(*) FILTER (WHERE NOT (${offline}) AND NOT ${down} AND NOT ${current})::int AS behind
      FROM "Node" n JOIN "Network" w ON w.id = n."networkId"
      WHERE n."networkId" = ANY(${ids}) AND n.status = 'active' AND n."lastSeenAt" IS NOT NULL
      GROUP BY n."networkId"`,
    db.$queryRaw<Array<{ networkId: string; soon: number; expired: number }>>`
      SELECT c."networkId",
             count(*) FILTER (WHERE c."notAfter" >= ${at}::timestamptz AND c."notAfter" < ${certSoon}::timestamptz)::int AS soon,
             count(*) FILTER (WHERE c."notAfter" < ${at}::timestamptz)::int AS expired
      FROM "Certificate" c
      WHERE c."networkId" = ANY(${ids}) AND c."revokedAt" IS NULL AND c."notAfter" < ${certSoon}::timestamptz
        -- Only each node's newest: one a mass re-sign kept valid (CA rotation, an IPv6 range added) is in no host's bundle.
        AND NOT EXISTS (SELECT 1 FROM "Certificate" nc WHERE nc."nodeId" = c."nodeId" AND nc."createdAt" > c."createdAt")
      GROUP BY c."networkId"`,
    db.$queryRaw<Array<{ networkId: string; soon: number; first: Date | null }>>`
      SELECT "networkId", count(*)::int AS soon, min("notAfter") AS first
      FROM "Ca"
      WHERE "networkId" = ANY(${ids}) AND state <> 'retired' AND "notAfter" < ${caSoon}::timestamptz
      GROUP BY "networkId"`,
  ]);
  for (const r of nodes) Object.assign(result.get(r.networkId)!, { nodesOffline: r.offline, nodesDown: r.down, nodesBehind: r.behind });
  for (const r of certs) Object.assign(result.get(r.networkId)!, { certsExpiringSoon: r.soon, certsExpired: r.expired });
  for (const r of cas) Object.assign(result.get(r.networkId)!, { casExpiringSoon: r.soon, caExpiresAt: r.first ? new Date(r.first).toISOString() : null });
  return result;
}

export async function fleetHealthOfNetwork(networkId: string, now = new Date()): Promise<FleetHealth> {
  return (await fleetHealthOf([networkId], now)).get(networkId)!;
}

export const HOST_STATE_FILTERS = ["offline", "down", "behind"] as const;
export type HostStateFilter = (typeof HOST_STATE_FILTERS)[number];

/**
 * The same states as a Prisma where, for the nodes list's filter. Comparing two columns needs a
 * field reference; every nullable column is tested for null on its own, since SQL's NOT of a
 * comparison with NULL is NULL, which would drop the row.
 */
export function hostStateWhere(state: HostStateFilter, network: { pollSeconds: number; configRevision: number }, now = new Date()): Prisma.NodeWhereInput {
  const cutoff = new Date(now.getTime() - (network.pollSeconds * 1.5 + 2) * 1000);
  if (state === "offline") return { status: "active", lastSeenAt: { lt: cutoff } };
  const polling: Prisma.NodeWhereInput = { status: "active", lastSeenAt: { gte: cutoff } };
  const downStates = ["stopped", "failed"];
  if (state === "down") return { AND: [polling, { nebulaState: { in: downStates } }] };
  const rendered = db.node.fields.renderedEtag;
  return {
    AND: [
      polling,
      { OR: [{ nebulaState: null }, { nebulaState: { notIn: downStates } }] },
      {
        OR: [
          { renderedEtag: null },
          { renderedRevision: null },
          { renderedRevision: { not: network.configRevision } },
          {
            AND: [
              { OR: [{ appliedEtag: null }, { NOT: { appliedEtag: { equals: rendered } } }] },
              { OR: [{ fetchedEtag: null }, { NOT: { fetchedEtag: { equals: rendered } } }] },
            ],
          },
        ],
      },
    ],
  };
}
