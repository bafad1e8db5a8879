/**
 * Enrollment: a join token, a hostname and the host's own public key become a node with an
 * address, a certificate, a rendered config and a node credential, in one transaction with the
 * token's use count. Any failure (nebula-cert included) leaves nothing behind.
 *
 * Nothing is locked while nebula-cert signs: the address is claimed first in a short transaction
 * of its own (and returned if anything fails), the certificate is signed, and only then does the
 * transaction write the node; the link's use is counted last, with its state checked again in the
 * same statement, so that its row is locked only for the commit. A network's enrollments then
 * run side by side instead of one at a time behind the lease lock and the link.
 */
import { db, transaction, type Tx } from "@/lib/db/client";
import { AppError } from "@/lib/core/app-error";
import type { RequestMeta } from "@/lib/core/request-meta";
import { recordAudit } from "@/lib/audit/record-audit";
import { emitWebhookEvents } from "@/lib/webhooks/emit";
import { bumpConfigRevision } from "@/lib/networks/config-revision";
import { attachClaimedLease, claimLease, releaseClaimedLease } from "@/lib/ipam/lease-allocator";
import { activeCaWithKey, HOST_CERT_HOURS, storeCertificate } from "@/lib/pki/certificate-service";
import { signHost } from "@/lib/pki/sign-host";
import { addressLimitKey } from "@/lib/ratelimit/address-key";
import { consume } from "@/lib/ratelimit/enforce-limit";
import { enrollLimits } from "./enroll-limits";
import { linkState } from "./link-service";
import { generateToken, hashToken, JOIN_TOKEN_PREFIX, looksLikeToken, NODE_CREDENTIAL_PREFIX } from "./tokens";
import type { EnrollInput } from "./link-schemas";
import { hostnameTaken, UNUSABLE_LINK_TEXT } from "./join-messages";
import { enrollmentGuard } from "@/lib/firewall/host-groups-guard";

/** One message for every unusable token, so a probe learns nothing about which links exist. */
const unusable = () => new AppError("not_found", UNUSABLE_LINK_TEXT);

export { ENROLL_LIMITS } from "./enroll-limits";

interface LinkRow {
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
  networkName: string;
  /** The link's preset groups that exist. */
  groups: Array<{ id: string; name: string }>;
}

/**
 * The link, its network and its preset groups in one statement, read without a lock: whether the
 * link may still be used is decided again when its use is counted (countUse).
 */
async function usableLink(tokenHash: string): Promise<LinkRow> {
  const rows = await db.$queryRaw<LinkRow[]>`
    SELECT l.id, l."networkId", l.description, l."expiresAt", l."maxUses", l."usedCount", l."presetGroups", l."fixedName", l."fixedIp",
           l."isLighthouse", l."isRelay", l.endpoints, l."listenPort", l."requiresApproval", l."revokedAt",
           n.cidr, n.name AS "networkName",
           COALESCE((SELECT json_agg(json_build_object('id', g.id, 'name', g.name) ORDER BY g.name) FROM "Group" g
                     WHERE g."networkId" = l."networkId" AND g.name = ANY(l."presetGroups")), '[]'::json) AS groups
    FROM "EnrollLink" l JOIN "Network" n ON n.id = l."networkId"
    WHERE l."tokenHash" = ${tokenHash}`;
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
      ...(meta.clientIp ? [{ key: addressLimitKey("enroll", meta.clientIp), windowSeconds: limits.windowSeconds, max: limits.perAddress }] : []),
    ],
    "enrollment attempts",
  );
  const link = await usableLink(tokenHash);
  const network = { id: link.networkId, cidr: link.cidr };
  const name = link.fixedName ?? input.hostname;
  // Checked here so that a taken name costs no address; the unique key still decides a race.
  if (await db.node.findUnique({ where: { networkId_name: { networkId: network.id, name } }, select: { id: true } })) {
    throw new AppError("validation_failed", "Some fields are not valid", { hostname: [hostnameTaken(name)] });
  }
  const pending = link.requiresApproval;
  const groupNames = link.groups.map((g) => g.name).sort();
  const ca = pending ? null : await activeCaWithKey(db, network.id);
  const lease = await claimLease(network, link.fixedIp);
  try {
    const signed = ca ? await signHost({ ca, name, ipWithPrefix: lease.ipWithPrefix, ip6WithPrefix: lease.ip6WithPrefix, groups: groupNames, publicKeyPem: input.publicKeyPem, durationHours: HOST_CERT_HOURS }) : null;
    const credential = generateToken(NODE_CREDENTIAL_PREFIX);
    return await transaction(async (tx) => {
      // The link's groups were tested when the link was made (link-service.ts); the rules may have
      // changed since, so a host that would now break a policy assertion is refused, naming it.
      const guard = groupNames.length ? await enrollmentGuard(tx, network.id) : null;
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
          groups: { create: link.groups.map((g) => ({ groupId: g.id })) },
        },
      });
      await guard?.check({ actor: { id: null, displayName: `join link ${link.description || link.id.slice(0, 8)}` }, meta, change: `enrolling "${name}" in ${groupNames.join(", ")} through a join link`, hostsChanged: true });
      await tx.nodeCredential.create({ data: { nodeId: node.id, tokenHash: hashToken(credential) } });
      await attachClaimedLease(tx, lease.leaseId, node.id);
      if (ca && signed) {
        await storeCertificate(tx, { networkId: network.id, nodeId: node.id, name, ipWithPrefix: lease.ipWithPrefix, groups: groupNames, publicKeyPem: input.publicKeyPem }, ca.id, signed);
      }
      // Only a new lighthouse or relay appears in other nodes' configs (static_host_map, relays).
      // A plain host changes nobody's config, so it wakes no long poll and leaves no host "behind".
      if (link.isLighthouse || link.isRelay) await bumpConfigRevision(tx, network.id);
      await recordAudit(tx, {
        actor: { id: null, displayName: `join link ${link.description || link.id.slice(0, 8)}` },
        action: "node.enroll",
        networkId: network.id,
        target: { type: "node", id: node.id, name },
        after: { ip: lease.ip, groups: groupNames, status: node.status, linkId: link.id },
        meta,
      });
      const enrolled = { node: { id: node.id, name, ip: lease.ip, groups: groupNames, status: node.status }, link: { id: link.id, description: link.description } };
      await emitWebhookEvents(tx, network.id, [
        { type: "node.enrolled", data: enrolled },
        { type: "link.used", data: { ...enrolled, clientIp: meta.clientIp } },
      ]);
      await countUse(tx, link.id, node.id, name, meta.clientIp);
      return { nodeId: node.id, networkId: network.id, networkName: link.networkName, name, ip: lease.ip, status: pending ? "pending" : "active", credential };
    });
  } catch (error) {
    await releaseClaimedLease(network.id, lease.leaseId).catch((releaseError: unknown) => {
      // The claim then expires by itself (CLAIM_SECONDS) and the next allocation takes it back.
      console.error(`[enroll] could not return a claimed address at once: ${releaseError instanceof Error ? releaseError.message : String(releaseError)}`);
    });
    throw error;
  }
}

/**
 * Counts and records the link's use in one statement, only while the link is still usable: two
 * enrollments racing on a single-use link both get here, the second waits for the first's commit
 * on the link's row, finds it used up, and rolls back. Last in the transaction, so that the row is
 * locked only for the commit.
 */
async function countUse(tx: Tx, linkId: string, nodeId: string, nodeName: string, clientIp: string | null): Promise<void> {
  const counted = await tx.$executeRaw`
    WITH counted AS (
      UPDATE "EnrollLink" SET "usedCount" = "usedCount" + 1
      WHERE id = ${linkId}::uuid AND "revokedAt" IS NULL AND "expiresAt" > now() AND ("maxUses" IS NULL OR "usedCount" < "maxUses")
      RETURNING id
    )
    INSERT INTO "EnrollUse" (id, "linkId", "nodeId", "nodeName", "clientIp") SELECT gen_random_uuid(), id, ${nodeId}::uuid, ${nodeName}, ${clientIp} FROM counted`;
  if (counted !== 1) throw unusable();
}

/** What the join page may say about a token: the network's name when usable, nothing otherwise. */
export async function describeJoinToken(token: string, client: Pick<Tx, "enrollLink">) {
  if (!looksLikeToken(token, JOIN_TOKEN_PREFIX)) return null;
  const link = await client.enrollLink.findUnique({ where: { tokenHash: hashToken(token) }, include: { network: { select: { name: true, cidr: true, cidr6: true } } } });
  if (!link || linkState(link) !== "active") return null;
  return { networkName: link.network.name, cidr: link.network.cidr, cidr6: link.network.cidr6, expiresAt: link.expiresAt, requiresApproval: link.requiresApproval, presetGroups: link.presetGroups, fixedName: link.fixedName };
}
