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
import { issueCertificate } from "@/lib/pki/certificate-service";
import { consume } from "@/lib/ratelimit/enforce-limit";
import { enrollLimits } from "./enroll-limits";
import { linkState } from "./link-service";
import { generateToken, hashToken, JOIN_TOKEN_PREFIX, looksLikeToken, NODE_CREDENTIAL_PREFIX } from "./tokens";
import type { EnrollInput } from "./link-schemas";
import { hostnameTaken, UNUSABLE_LINK_TEXT } from "./join-messages";

/** One message for every unusable token, so a probe learns nothing about which links exist. */
const unusable = () => new ApiError("not_found", UNUSABLE_LINK_TEXT);

export { ENROLL_LIMITS } from "./enroll-limits";

async function lockedLink(tx: Tx, tokenHash: string) {
  // FOR UPDATE: two enrollments racing on a single-use link serialise here; the second sees it used.
  const rows = await tx.$queryRaw<Array<{ id: string }>>`SELECT id FROM "EnrollLink" WHERE "tokenHash" = ${tokenHash} FOR UPDATE`;
  if (!rows[0]) throw unusable();
  const link = await tx.enrollLink.findUniqueOrThrow({ where: { id: rows[0].id } });
  if (linkState(link) !== "active") throw unusable();
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
    const network = await tx.network.findUniqueOrThrow({ where: { id: link.networkId }, select: { id: true, cidr: true, name: true } });
    const name = link.fixedName ?? input.hostname;
    if (await tx.node.findUnique({ where: { networkId_name: { networkId: network.id, name } }, select: { id: true } })) {
      throw new ApiError("validation_failed", "Some fields are not valid", { hostname: [hostnameTaken(name)] });
    }
    const groups = await tx.group.findMany({ where: { networkId: network.id, name: { in: link.presetGroups } }, select: { id: true, name: true } });
    const pending = link.requiresApproval;
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
    const lease = await allocateLease(tx, network, node.id, link.fixedIp);
    if (!pending) {
      await issueCertificate(tx, { networkId: network.id, nodeId: node.id, name, ipWithPrefix: lease.ipWithPrefix, groups: groups.map((g) => g.name), publicKeyPem: input.publicKeyPem });
    }
    await tx.nodeCredential.create({ data: { nodeId: node.id, tokenHash: hashToken(credential) } });
    await tx.enrollLink.update({ where: { id: link.id }, data: { usedCount: { increment: 1 } } });
    await tx.enrollUse.create({ data: { linkId: link.id, nodeId: node.id, nodeName: name, clientIp: meta.clientIp } });
    await bumpConfigRevision(tx, network.id);
    await recordAudit(tx, {
      actor: { id: null, displayName: `join link ${link.description || link.id.slice(0, 8)}` },
      action: "node.enroll",
      networkId: network.id,
      target: { type: "node", id: node.id, name },
      after: { ip: lease.ip, groups: groups.map((g) => g.name), status: node.status, linkId: link.id },
      meta,
    });
    return { nodeId: node.id, networkId: network.id, networkName: network.name, name, ip: lease.ip, status: pending ? "pending" : "active", credential };
  });
}

/** What the join page may say about a token: the network's name when usable, nothing otherwise. */
export async function describeJoinToken(token: string, client: Pick<Tx, "enrollLink">) {
  if (!looksLikeToken(token, JOIN_TOKEN_PREFIX)) return null;
  const link = await client.enrollLink.findUnique({ where: { tokenHash: hashToken(token) }, include: { network: { select: { name: true, cidr: true } } } });
  if (!link || linkState(link) !== "active") return null;
  return { networkName: link.network.name, cidr: link.network.cidr, expiresAt: link.expiresAt, requiresApproval: link.requiresApproval, presetGroups: link.presetGroups, fixedName: link.fixedName };
}
