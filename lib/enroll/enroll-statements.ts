/**
 * The two statements an enrollment costs besides claiming its address: one read before signing and
 * one write after it. Each Prisma round trip cost about a millisecond and a half of the app's CPU
 * here, and an enrollment used to make twenty of them; folded into two on the plain pg pool (the
 * first also claims the address, lib/ipam/lease-allocator.ts), an enrollment is mostly its signature.
 */
import { hotPathPool } from "@/lib/db/pg-pool";
import { onPg, type SqlRunner } from "@/lib/db/sql-runner";
import { RELAXED_COMMIT } from "@/lib/db/relaxed-commit";
import { hitCountersCte } from "@/lib/ratelimit/rate-counter";
import type { Limit } from "@/lib/ratelimit/enforce-limit";
import type { FirstFreeRow } from "@/lib/ipam/lease-allocator";

export interface EnrollLinkRow {
  id: string;
  networkId: string;
  description: string;
  expiresAt: Date;
  maxUses: number | null;
  usedCount: number;
  presetGroups: string[];
  fixedName: string | null;
  fixedIp: string | null;
  isLighthouse: boolean;
  isRelay: boolean;
  endpoints: string[];
  listenPort: number | null;
  requiresApproval: boolean;
  revokedAt: Date | null;
  cidr: string | null;
  cidr6: string | null;
  networkName: string;
  /** The link's preset groups that exist. */
  groups: Array<{ id: string; name: string }>;
}

export interface EnrollPreflight {
  /** The new count of each limit, in the order given (this attempt included). */
  counts: number[];
  link: EnrollLinkRow | null;
  /** The network's current CA with its sealed key; null when it has none. */
  ca: { id: string; certPem: string; keyCiphertext: string; notAfter: Date; version: number } | null;
  /** A node of the network already has the name the host would get. */
  nameTaken: boolean;
  /** The network has policy assertions, which a host in groups is tested against. */
  guarded: boolean;
  /** An enabled webhook of the network listens for node.enrolled or link.used. */
  hooked: boolean;
  /**
   * The address claimed for the host in this same statement (nc_lease_first_free, as claimLease
   * does), when the link looked usable: a usable link without a fixed address, a free name, a CA
   * (or approval to wait for), and no limit passed. Its lease is null when the range is full. The
   * caller still decides, and returns the claim if it refuses (releaseClaimedLease).
   */
  claim: FirstFreeRow | null;
}

type PreflightRow = Omit<EnrollLinkRow, "id"> & {
  id: string | null;
  claim: FirstFreeRow | null;
  hits: Record<string, number> | null;
  nameTaken: boolean;
  guarded: boolean;
  hooked: boolean;
  caId: string | null;
  caCertPem: string;
  caKeyCiphertext: string;
  caNotAfter: Date;
  caVersion: number;
};

/**
 * Counts the attempt against its limits, reads the link (without a lock: whether it may still
 * be used is decided again when its use is counted), its network, its preset groups, whether the
 * name is taken, the CA, and whether a policy or a webhook needs the write done in a transaction,
 * and claims the host's address for `claimSeconds` (see EnrollPreflight.claim). The counting
 * happens whatever the link turns out to be, as a rate limit must. It commits without waiting for
 * the disk: a counter or a claim lost in a crash costs nothing (claimLease says why).
 */
export async function readEnrollPreflight(tokenHash: string, hostname: string, limits: Limit[], claimSeconds: number): Promise<EnrollPreflight> {
  const hits = hitCountersCte(limits, 3);
  const rows = await onPg(hotPathPool()).rows<PreflightRow>(
    `WITH ${RELAXED_COMMIT}, ${hits.text}
     SELECT (SELECT json_object_agg("key", "count") FROM hits) AS hits,
            l.id, l."networkId", l.description, l."expiresAt", l."maxUses", l."usedCount", l."presetGroups", l."fixedName", l."fixedIp",
            l."isLighthouse", l."isRelay", l.endpoints, l."listenPort", l."requiresApproval", l."revokedAt",
            n.cidr, n.cidr6, n.name AS "networkName",
            COALESCE((SELECT json_agg(json_build_object('id', g.id, 'name', g.name) ORDER BY g.name) FROM "Group" g
                      WHERE g."networkId" = l."networkId" AND g.name = ANY(l."presetGroups")), '[]'::json) AS groups,
            taken.found AS "nameTaken",
            EXISTS (SELECT 1 FROM "PolicyAssertion" p WHERE p."networkId" = l."networkId") AS guarded,
            EXISTS (SELECT 1 FROM "WebhookEndpoint" w WHERE w."networkId" = l."networkId" AND w.enabled AND w.events && ARRAY['node.enrolled', 'link.used']) AS hooked,
            ca.id AS "caId", ca."certPem" AS "caCertPem", ca."keyCiphertext" AS "caKeyCiphertext", ca."notAfter" AS "caNotAfter", ca.version AS "caVersion",
            CASE WHEN l.id IS NOT NULL AND l."fixedIp" IS NULL AND l."revokedAt" IS NULL AND l."expiresAt" > now()
                      AND (l."maxUses" IS NULL OR l."usedCount" < l."maxUses") AND (l."requiresApproval" OR ca.id IS NOT NULL) AND NOT taken.found
                      AND NOT EXISTS (SELECT 1 FROM hits h JOIN unnest($3::text[], $5::int[]) AS lim("key", "max") ON lim."key" = h."key" WHERE h."count" > lim."max")
                 THEN (SELECT json_build_object('leaseId', f.lease_id, 'address', f.address) FROM nc_lease_first_free(l."networkId", NULL, $6::int) f)
            END AS claim
     FROM relaxed, (SELECT 1) AS one
     LEFT JOIN "EnrollLink" l ON l."tokenHash" = $1
     LEFT JOIN "Network" n ON n.id = l."networkId"
     LEFT JOIN LATERAL (SELECT EXISTS (SELECT 1 FROM "Node" x WHERE x."networkId" = l."networkId" AND x.name = COALESCE(l."fixedName", $2)) AS found) taken ON true
     LEFT JOIN LATERAL (SELECT * FROM "Ca" c WHERE c."networkId" = l."networkId" AND c.state = 'current' ORDER BY c."createdAt" DESC LIMIT 1) ca ON true`,
    [tokenHash, hostname, ...hits.values, limits.map((l) => l.max), claimSeconds],
  );
  const { hits: counted, nameTaken, guarded, hooked, caId, caCertPem, caKeyCiphertext, caNotAfter, caVersion, claim, ...link } = rows[0]!;
  return {
    counts: limits.map((l) => counted?.[l.key] ?? 1),
    link: link.id === null ? null : { ...link, id: link.id },
    ca: caId === null ? null : { id: caId, certPem: caCertPem, keyCiphertext: caKeyCiphertext, notAfter: caNotAfter, version: caVersion },
    nameTaken,
    guarded,
    hooked,
    claim,
  };
}

export interface EnrollmentWrite {
  networkId: string;
  linkId: string;
  leaseId: string;
  name: string;
  status: "active" | "pending";
  isLighthouse: boolean;
  isRelay: boolean;
  endpoints: string[];
  listenPort: number | null;
  pendingPublicKeyPem: string | null;
  description: string;
  groupIds: string[];
  credentialHash: string;
  /** The signed certificate, absent for a host that waits for approval. */
  certificate: {
    caId: string;
    pem: string;
    publicKeyPem: string;
    fingerprint: string;
    notBefore: Date;
    notAfter: Date;
    ip: string;
    ip6: string | null;
    groups: string[];
    unsafeNetworks: string[];
  } | null;
  audit: { actorName: string; after: unknown; requestId: string | null };
  /** The enrolling host's address, in the link's use and the audit event. */
  clientIp: string | null;
}

/**
 * Writes the enrolled node in one statement: the node, its groups, credential, address (the claim
 * becomes its lease), certificate, audit event, and the link's use. Every insert hangs off the
 * link's counted use, which hangs off the claim (locked here, so nothing takes it back meanwhile):
 * a link used up or revoked since, or a claim taken back, writes nothing. One statement is atomic
 * on its own (run it on the pool); a caller that must do more in the same commit (a policy check,
 * webhooks) runs it in its transaction. The link's row stays locked only until that commit.
 */
export async function insertEnrollment(sql: SqlRunner, w: EnrollmentWrite): Promise<{ nodeId: string | null; claimHeld: boolean }> {
  const cert = w.certificate;
  const rows = await sql.rows<{ nodeId: string | null; claimHeld: boolean }>(
    `WITH claim AS (
       SELECT id FROM "Lease" WHERE id = $3::uuid AND "nodeId" IS NULL FOR UPDATE
     ), counted AS (
       UPDATE "EnrollLink" SET "usedCount" = "usedCount" + 1
       WHERE id = $2::uuid AND "revokedAt" IS NULL AND "expiresAt" > now() AND ("maxUses" IS NULL OR "usedCount" < "maxUses")
         AND EXISTS (SELECT 1 FROM claim)
       RETURNING id
     ), node AS (
       INSERT INTO "Node" (id, "networkId", name, "isLighthouse", "isRelay", endpoints, "listenPort", status, "pendingPublicKeyPem", description, "updatedAt")
       SELECT gen_random_uuid(), $1::uuid, $4, $5, $6, $7::text[], $8::int, $9::"NodeStatus", $10, $11, now()
       FROM counted
       RETURNING id
     ), grouped AS (
       INSERT INTO "NodeGroup" ("nodeId", "groupId") SELECT node.id, g FROM node, unnest($12::uuid[]) AS g
     ), credentialed AS (
       INSERT INTO "NodeCredential" (id, "nodeId", "tokenHash") SELECT gen_random_uuid(), node.id, $13 FROM node
     ), leased AS (
       UPDATE "Lease" SET "nodeId" = node.id, "quarantinedUntil" = NULL FROM node WHERE "Lease".id = $3::uuid
     ), certified AS (
       INSERT INTO "Certificate" (id, "networkId", "nodeId", "caId", name, pem, "publicKeyPem", fingerprint, "notBefore", "notAfter", ip, ip6, groups, "unsafeNetworks", origin)
       SELECT gen_random_uuid(), $1::uuid, node.id, $14::uuid, $4, $15, $16, $17, $18::timestamptz, $19::timestamptz, $20, $21, $22::text[], $23::text[], 'signed'::"CertificateOrigin"
       FROM node WHERE $14::uuid IS NOT NULL
     ), audited AS (
       INSERT INTO "AuditEvent" (id, "networkId", "actorName", action, "targetType", "targetId", "targetName", after, "clientIp", "requestId")
       SELECT gen_random_uuid(), $1::uuid, $24, 'node.enroll', 'node', node.id::text, $4, $25::jsonb, $27, $26
       FROM node
     ), used AS (
       INSERT INTO "EnrollUse" (id, "linkId", "nodeId", "nodeName", "clientIp") SELECT gen_random_uuid(), counted.id, node.id, $4, $27 FROM counted, node
     )
     SELECT (SELECT id::text FROM node) AS "nodeId", EXISTS (SELECT 1 FROM claim) AS "claimHeld"`,
    [
      w.networkId, w.linkId, w.leaseId, w.name, w.isLighthouse, w.isRelay, w.endpoints, w.listenPort, w.status, w.pendingPublicKeyPem, w.description,
      w.groupIds, w.credentialHash,
      cert?.caId ?? null, cert?.pem ?? null, cert?.publicKeyPem ?? null, cert?.fingerprint ?? null, cert?.notBefore ?? null, cert?.notAfter ?? null,
      cert?.ip ?? null, cert?.ip6 ?? null, cert?.groups ?? null, cert?.unsafeNetworks ?? null,
      w.audit.actorName, JSON.stringify(w.audit.after), w.audit.requestId, w.clientIp,
    ],
  );
  return rows[0]!;
}
