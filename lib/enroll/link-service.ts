/** Join links: created by admins, listed with their uses, revoked. */
import { advisoryLock, transaction, db, type Tx } from "@/lib/db/client";
import { AppError } from "@/lib/core/app-error";
import type { RequestMeta } from "@/lib/core/request-meta";
import type { Actor } from "@/lib/auth/session";
import { recordAudit } from "@/lib/audit/record-audit";
import { checkStaticAddress } from "@/lib/ipam/lease-allocator";
import { generateToken, hashToken, JOIN_TOKEN_PREFIX } from "./tokens";
import type { LinkCreateInput } from "./link-schemas";
import { hostGroupsGuard } from "@/lib/firewall/host-groups-guard";
import type { PolicyOptions } from "@/lib/firewall/policy-guard";

export function publicBaseUrl(): string {
  return (process.env.NEXTAUTH_URL ?? "http://localhost:3000").replace(/\/$/, "");
}

export function joinUrl(token: string): string {
  return `${publicBaseUrl()}/join/${token}`;
}

/**
 * A fixed address or name must be one the host could get when it enrolls: checked now, as node
 * creation checks them (same rules, same 400 field errors), so that a link that can never work is
 * refused when it is made. Two unused links may not promise the same address or name either.
 * Returns the address in canonical form.
 */
async function checkFixedFields(tx: Tx, network: { id: string; cidr: string | null; cidr6: string | null }, input: LinkCreateInput): Promise<string | null> {
  if (!input.fixedIp && !input.fixedName) return null;
  // Serialises link creation per network, so two links racing for one address cannot both pass.
  await advisoryLock(tx, `link-fixed:${network.id}`);
  const fixedIp = input.fixedIp ? await checkStaticAddress(tx, network, input.fixedIp, "fixedIp") : null;
  const fields: Record<string, string[]> = {};
  if (input.fixedName && (await tx.node.findUnique({ where: { networkId_name: { networkId: network.id, name: input.fixedName } }, select: { id: true } }))) {
    fields.fixedName = [`A node named "${input.fixedName}" already exists`];
  }
  const promised = await tx.enrollLink.findMany({
    where: {
      networkId: network.id,
      revokedAt: null,
      expiresAt: { gt: new Date() },
      OR: [...(fixedIp ? [{ fixedIp }] : []), ...(input.fixedName ? [{ fixedName: input.fixedName }] : [])],
    },
  });
  const active = promised.filter((l) => linkState(l) === "active");
  if (fixedIp && active.some((l) => l.fixedIp === fixedIp)) fields.fixedIp = [`${fixedIp} is promised to another join link that has not been used; revoke it first`];
  if (input.fixedName && !fields.fixedName && active.some((l) => l.fixedName === input.fixedName)) {
    fields.fixedName = [`"${input.fixedName}" is promised to another join link that has not been used; revoke it first`];
  }
  if (Object.keys(fields).length) throw new AppError("validation_failed", "Some fields are not valid", fields);
  return fixedIp;
}

export async function createLink(actor: Actor, network: { id: string; cidr: string | null; cidr6: string | null }, input: LinkCreateInput, meta: RequestMeta, policy: PolicyOptions = {}) {
  const networkId = network.id;
  const token = generateToken(JOIN_TOKEN_PREFIX);
  return transaction(async (tx) => {
    if (input.presetGroups.length) {
      const found = await tx.group.count({ where: { networkId, name: { in: input.presetGroups } } });
      if (found !== input.presetGroups.length) throw new AppError("validation_failed", "Some fields are not valid", { presetGroups: ["Every preset group must exist in this network"] });
      // Tested now, when an admin picks the groups, rather than only when a host enrolls far away:
      // the link's future hosts join the world as one host holding the preset groups.
      const guard = await hostGroupsGuard(tx, networkId);
      const future = { id: "join-link-host", name: input.fixedName ?? "a host enrolled through this link", ip: null, ip6: null, groups: [...input.presetGroups].sort() };
      await guard.check({ actor, meta, options: policy, change: `a join link for hosts in ${future.groups.join(", ")}`, extraHosts: [future] });
    }
    const fixedIp = await checkFixedFields(tx, network, input);
    const link = await tx.enrollLink.create({
      data: {
        networkId,
        tokenHash: hashToken(token),
        description: input.description,
        expiresAt: new Date(Date.now() + input.expiresInHours * 3_600_000),
        maxUses: input.maxUses,
        presetGroups: input.presetGroups,
        fixedName: input.fixedName ?? null,
        fixedIp,
        isLighthouse: input.isLighthouse,
        isRelay: input.isRelay,
        endpoints: input.endpoints,
        listenPort: input.listenPort,
        requiresApproval: input.requiresApproval,
        createdById: actor.id,
      },
    });
    await recordAudit(tx, { actor, action: "link.create", networkId, target: { type: "enroll-link", id: link.id, name: link.description || "join link" }, after: linkView({ ...link, uses: [] }), meta });
    // The token leaves the server once, here; only its hash is kept.
    return { link: linkView({ ...link, uses: [] }), token, joinUrl: joinUrl(token) };
  });
}

type LinkRow = Awaited<ReturnType<typeof db.enrollLink.findMany>>[number] & { uses: Array<{ nodeName: string; clientIp: string | null; createdAt: Date }> };

export function linkState(link: { revokedAt: Date | null; expiresAt: Date; maxUses: number | null; usedCount: number }, now = new Date()): "active" | "revoked" | "expired" | "used up" {
  if (link.revokedAt) return "revoked";
  if (link.expiresAt <= now) return "expired";
  if (link.maxUses !== null && link.usedCount >= link.maxUses) return "used up";
  return "active";
}

function linkView(link: LinkRow) {
  return {
    id: link.id,
    description: link.description,
    expiresAt: link.expiresAt.toISOString(),
    maxUses: link.maxUses,
    usedCount: link.usedCount,
    presetGroups: link.presetGroups,
    fixedName: link.fixedName,
    fixedIp: link.fixedIp,
    isLighthouse: link.isLighthouse,
    isRelay: link.isRelay,
    requiresApproval: link.requiresApproval,
    state: linkState(link),
    createdAt: link.createdAt.toISOString(),
    uses: link.uses.map((u) => ({ nodeName: u.nodeName, clientIp: u.clientIp, at: u.createdAt.toISOString() })),
  };
}
export type LinkView = ReturnType<typeof linkView>;

export async function listLinks(networkId: string): Promise<LinkView[]> {
  const rows = await db.enrollLink.findMany({ where: { networkId }, include: { uses: { orderBy: { createdAt: "desc" }, take: 50 } }, orderBy: { createdAt: "desc" } });
  return rows.map(linkView);
}

export async function revokeLink(actor: Actor, networkId: string, linkId: string, meta: RequestMeta): Promise<void> {
  await transaction(async (tx) => {
    const link = await tx.enrollLink.findFirst({ where: { id: linkId, networkId } });
    if (!link) throw new AppError("not_found", "Link not found");
    if (link.revokedAt) return;
    const revoked = await tx.enrollLink.update({ where: { id: link.id }, data: { revokedAt: new Date() } });
    await recordAudit(tx, {
      actor,
      action: "link.revoke",
      networkId,
      target: { type: "enroll-link", id: link.id, name: link.description || "join link" },
      before: { revokedAt: null },
      after: { revokedAt: revoked.revokedAt },
      meta,
    });
  });
}
