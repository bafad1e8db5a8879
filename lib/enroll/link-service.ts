/** Join links: created by admins, listed with their uses, revoked. */
import { transaction, db } from "@/lib/db/client";
import { AppError } from "@/lib/core/app-error";
import type { RequestMeta } from "@/lib/core/request-meta";
import type { Actor } from "@/lib/auth/session";
import { recordAudit } from "@/lib/audit/record-audit";
import { generateToken, hashToken, JOIN_TOKEN_PREFIX } from "./tokens";
import type { LinkCreateInput } from "./link-schemas";

export function publicBaseUrl(): string {
  return (process.env.NEXTAUTH_URL ?? "http://localhost:3000").replace(/\/$/, "");
}

export function joinUrl(token: string): string {
  return `${publicBaseUrl()}/join/${token}`;
}

export async function createLink(actor: Actor, networkId: string, input: LinkCreateInput, meta: RequestMeta) {
  const token = generateToken(JOIN_TOKEN_PREFIX);
  return transaction(async (tx) => {
    if (input.presetGroups.length) {
      const found = await tx.group.count({ where: { networkId, name: { in: input.presetGroups } } });
      if (found !== input.presetGroups.length) throw new AppError("validation_failed", "Some fields are not valid", { presetGroups: ["Every preset group must exist in this network"] });
    }
    const link = await tx.enrollLink.create({
      data: {
        networkId,
        tokenHash: hashToken(token),
        description: input.description,
        expiresAt: new Date(Date.now() + input.expiresInHours * 3_600_000),
        maxUses: input.maxUses,
        presetGroups: input.presetGroups,
        fixedName: input.fixedName ?? null,
        fixedIp: input.fixedIp ?? null,
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
    await tx.enrollLink.update({ where: { id: link.id }, data: { revokedAt: new Date() } });
    await recordAudit(tx, { actor, action: "link.revoke", networkId, target: { type: "enroll-link", id: link.id, name: link.description || "join link" }, meta });
  });
}
