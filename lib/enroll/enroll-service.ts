/**
 * Enrollment: a join token, a hostname and the host's own public key become a node with an
 * address, a certificate, a rendered config and a node credential, in one transaction with the
 * token's use count. Any failure (nebula-cert included) leaves nothing behind.
 */
import { transaction, type Tx } from "@/lib/db/client";
import { ApiError } from "@/lib/api/api-error";
import type { RequestMeta } from "@/lib/api/with-network";
import { recordAudit } from "@/lib/audit/record-audit";
import { bumpConfigRevision } from "@/lib/networks/config-revision";
import { allocateLease } from "@/lib/ipam/lease-allocator";
import { activeCaWithKey, issueCertificate } from "@/lib/pki/certificate-service";
import { consume } from "@/lib/ratelimit/enforce-limit";
import { enrollLimits } from "./enroll-limits";
import { linkState } from "./link-service";
import { generateToken, hashToken, JOIN_TOKEN_PREFIX, looksLikeToken, NODE_CREDENTIAL_PREFIX } from "./tokens";
import type { EnrollInput } from "./link-schemas";
import { hostnameTaken, UNUSABLE_LINK_TEXT } from "./join-messages";

/** One message for every unusable token, so a probe learns nothing about which links exist. */
const unusable = () => new ApiError("not_found", UNUSABLE_LINK_TEXT);

export { ENROLL_LIMITS } from "./enroll-limits";

interface LockedLink {
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
  cidr: string;
  networkName: string;
  /** The link's preset groups that exist. */
  groups: Array<{ id: string; name: string }>;
}

/**
 * The link, its network and its preset groups in one statement. FOR UPDATE: two enrollments racing
 * on a single-use link serialise here; the second sees it used.
 */
async function lockedLink(tx: Tx, tokenHash: string): Promise<LockedLink> {
  const rows = await tx.$queryRaw<LockedLink[]>`
    SELECT l.id, l."networkId", l.description, l."expiresAt", l."maxUses", l."usedCount", l."presetGroups", l."fixedName", l."fixedIp",
           l."isLighthouse", l."isRelay", l.endpoints, l."listenPort", l."requiresApproval", l."revokedAt",
           n.cidr, n.name AS "networkName",
           COALESCE((SELECT json_agg(json_build_object('id', g.id, 'name', g.name) ORDER BY g.name) FROM "Group" g
                     WHERE g."networkId" = l."networkId" AND g.name = ANY(l."presetGroups")), '[]'::json) AS groups
    FROM "EnrollLink" l JOIN "Network" n ON n.id = l."networkId"
    WHERE l."tokenHash" = ${tokenHash}
    FOR UPDATE OF l`;
  const link = rows[0];
  if (!link || linkState(link) !== "active") throw unusable();
  return link;
}

export interface EnrollResult {
  nodeId: string;
  networkId: string;
  networkName: string;
  name: string;
  ip: string;
  status: "active" | "pending";
  credential: string;
}

export async function enroll(input: EnrollInput, meta: RequestMeta): Promise<EnrollResult> {
  if (!looksLikeToken(input.token, JOIN_TOKEN_PREFIX)) throw unusable();
  const tokenHash = hashToken(input.token);
  const limits = enrollLimits();
  await consume(
    [
      { key: `enroll:token:${tokenHash}`, windowSeconds: limits.windowSeconds, max: limits.perToken },
      ...(meta.clientIp ? [{ key: `enroll:ip:${meta.clientIp}`, windowSeconds: limits.windowSeconds, max: limits.perAddress }] : []),
    ],
    "enrollment attempts",
  );
  const credential = generateToken(NODE_CREDENTIAL_PREFIX);
  return transaction(async (tx) => {
    const link = await lockedLink(tx, tokenHash);
    const network = { id: link.networkId, cidr: link.cidr };
    const name = link.fixedName ?? input.hostname;
    if (await tx.node.findUnique({ where: { networkId_name: { networkId: network.id, name } }, select: { id: true } })) {
      throw new ApiError("validation_failed", "Some fields are not valid", { hostname: [hostnameTaken(name)] });
    }
    const { groups } = link;
    const pending = link.requiresApproval;
    // Everything that does not need the address comes first: the lease lock (taken by
    // allocateLease, held to the commit) serialises a network's enrollments, so the less done
    // under it, the more enrollments run side by side.
    const ca = pending ? null : await activeCaWithKey(tx, network.id);
    const node = await tx.node.create({
      data: {
        networkId: network.id,
        name,
        isLighthouse: link.isLighthouse,
        isRelay: link.isRelay,
        endpoints: link.endpoints,
        listenPort: link.listenPort,
        status: pending ? "pending" : "active",
        pendingPublicKeyPem: pending ? input.publicKeyPem : null,
        description: link.description ? `Enrolled with link “${link.description}”` : "Enrolled with a join link",
        groups: { create: groups.map((g) => ({ groupId: g.id })) },
      },
    });
    await tx.nodeCredential.create({ data: { nodeId: node.id, tokenHash: hashToken(credential) } });
    // The link's use, counted and recorded in one statement.
    await tx.$executeRaw`
      WITH counted AS (UPDATE "EnrollLink" SET "usedCount" = "usedCount" + 1 WHERE id = ${link.id}::uuid)
      INSERT INTO "EnrollUse" (id, "linkId", "nodeId", "nodeName", "clientIp") VALUES (gen_random_uuid(), ${link.id}::uuid, ${node.id}::uuid, ${name}, ${meta.clientIp})`;

    const lease = await allocateLease(tx, network, node.id, link.fixedIp);
    if (ca) {
      await issueCertificate(tx, { networkId: network.id, nodeId: node.id, name, ipWithPrefix: lease.ipWithPrefix, groups: groups.map((g) => g.name), publicKeyPem: input.publicKeyPem, ca, newNode: true });
    }
    // Only a new lighthouse or relay appears in other nodes' configs (static_host_map, relays).
    // A plain host changes nobody's config, so it wakes no long poll and leaves no host "behind".
    if (link.isLighthouse || link.isRelay) await bumpConfigRevision(tx, network.id);
    await recordAudit(tx, {
      actor: { id: null, displayName: `join link ${link.description || link.id.slice(0, 8)}` },
      action: "node.enroll",
      networkId: network.id,
      target: { type: "node", id: node.id, name },
      after: { ip: lease.ip, groups: groups.map((g) => g.name), status: node.status, linkId: link.id },
      meta,
    });
    return { nodeId: node.id, networkId: network.id, networkName: link.networkName, name, ip: lease.ip, status: pending ? "pending" : "active", credential };
  });
}

/** What the join page may say about a token: the network's name when usable, nothing otherwise. */
export async function describeJoinToken(token: string, client: Pick<Tx, "enrollLink">) {
  if (!looksLikeToken(token, JOIN_TOKEN_PREFIX)) return null;
  const link = await client.enrollLink.findUnique({ where: { tokenHash: hashToken(token) }, include: { network: { select: { name: true, cidr: true } } } });
  if (!link || linkState(link) !== "active") return null;
  return { networkName: link.network.name, cidr: link.network.cidr, expiresAt: link.expiresAt, requiresApproval: link.requiresApproval, presetGroups: link.presetGroups, fixedName: link.fixedName };
}
