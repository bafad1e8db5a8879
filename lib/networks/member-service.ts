/** Network membership. Owners manage it; a network always keeps at least one owner. */
import { advisoryLock, db, type Tx } from "@/lib/db/client";
import { recordAudit } from "@/lib/audit/record-audit";
import { emitWebhookEvent } from "@/lib/webhooks/emit";
import { AppError } from "@/lib/core/app-error";
import type { RequestMeta } from "@/lib/core/request-meta";
import type { Actor } from "@/lib/auth/session";
import { wouldRemoveLastOwner, type MemberRole } from "@/lib/auth/roles";
import type { MemberUpdateInput } from "./network-schemas";

export interface MemberView {
  id: string;
  userId: string;
  displayName: string;
  email: string | null;
  role: MemberRole;
  createdAt: string;
}

export async function listMembers(networkId: string): Promise<MemberView[]> {
  const rows = await db.networkMember.findMany({
    where: { networkId },
    include: { user: { select: { displayName: true, email: true } } },
    orderBy: [{ createdAt: "asc" }],
  });
  return rows.map((m) => ({
    id: m.id,
    userId: m.userId,
    displayName: m.user.displayName,
    email: m.user.email,
    role: m.role,
    createdAt: m.createdAt.toISOString(),
  }));
}

async function lockedMember(tx: Tx, networkId: string, memberId: string) {
  // Serialise membership changes per network so two owners cannot demote each other at once.
  await advisoryLock(tx, `network-members:${networkId}`);
  const member = await tx.networkMember.findFirst({
    where: { id: memberId, networkId },
    include: { user: { select: { displayName: true, email: true } } },
  });
  if (!member) throw new AppError("not_found", "Member not found");
  const owners = await tx.networkMember.count({ where: { networkId, role: "owner" } });
  return { member, owners };
}

async function insertMember(tx: Tx, actor: Actor, networkId: string, user: { id: string; email: string | null; displayName: string }, role: MemberRole, meta: RequestMeta) {
  const member = await tx.networkMember.create({ data: { networkId, userId: user.id, role } });
  await recordAudit(tx, {
    actor,
    action: "member.add",
    networkId,
    target: { type: "member", id: member.id, name: user.email ?? user.displayName },
    after: { userId: user.id, role: member.role },
    meta,
  });
  await emitWebhookEvent(tx, networkId, "member.changed", { change: "added", memberId: member.id, userId: user.id, displayName: user.displayName, role: member.role, actor: { id: actor.id, name: actor.displayName } });
  return member;
}

/** Adds a user by id. An unknown id answers 404; the caller already knows the id it sent. */
export async function addMemberById(actor: Actor, networkId: string, userId: string, role: MemberRole, meta: RequestMeta) {
  return db.$transaction(async (tx) => {
    await advisoryLock(tx, `network-members:${networkId}`);
    const user = await tx.user.findUnique({ where: { id: userId }, select: { id: true, email: true, displayName: true } });
    if (!user) throw new AppError("not_found", "User not found");
    const existing = await tx.networkMember.findUnique({ where: { networkId_userId: { networkId, userId: user.id } } });
    if (existing) throw new AppError("validation_failed", "Some fields are not valid", { userId: ["Already a member of this network"] });
    return insertMember(tx, actor, networkId, user, role, meta);
  });
}

/**
 * Adds the user with this email, if exactly one user has it and their address is verified.
 * Emails are neither unique nor, for local accounts, proven: picking "the first" match could hand
 * the role to whoever registered the address. Returns nothing, whatever matched, so that the
 * answer tells no one which addresses have accounts; the members list shows who is a member.
 */
export async function addMemberByEmail(actor: Actor, networkId: string, email: string, role: MemberRole, meta: RequestMeta): Promise<void> {
  await db.$transaction(async (tx) => {
    await advisoryLock(tx, `network-members:${networkId}`);
    const matches = await tx.user.findMany({
      where: { email: { equals: email, mode: "insensitive" } },
      select: { id: true, email: true, displayName: true, emailVerified: true },
      take: 2,
    });
    const user = matches.length === 1 && matches[0]!.emailVerified ? matches[0]! : null;
    if (!user) return;
    // An existing member keeps their role: changing it is a separate, explicit action.
    if (await tx.networkMember.findUnique({ where: { networkId_userId: { networkId, userId: user.id } } })) return;
    await insertMember(tx, actor, networkId, user, role, meta);
  });
}

export async function changeMemberRole(actor: Actor, networkId: string, memberId: string, input: MemberUpdateInput, meta: RequestMeta) {
  return db.$transaction(async (tx) => {
    const { member, owners } = await lockedMember(tx, networkId, memberId);
    if (wouldRemoveLastOwner(owners, member.role, input.role)) {
      throw new AppError("conflict", "A network needs at least one owner; make someone else owner first");
    }
    const updated = await tx.networkMember.update({ where: { id: member.id }, data: { role: input.role } });
    await recordAudit(tx, {
      actor,
      action: "member.role",
      networkId,
      target: { type: "member", id: member.id, name: member.user.email ?? member.user.displayName },
      before: { role: member.role },
      after: { role: updated.role },
      meta,
    });
    await emitWebhookEvent(tx, networkId, "member.changed", { change: "role", memberId: member.id, userId: member.userId, displayName: member.user.displayName, role: updated.role, previousRole: member.role, actor: { id: actor.id, name: actor.displayName } });
    return updated;
  });
}

export async function removeMember(actor: Actor, networkId: string, memberId: string, meta: RequestMeta): Promise<void> {
  await db.$transaction(async (tx) => {
    const { member, owners } = await lockedMember(tx, networkId, memberId);
    if (wouldRemoveLastOwner(owners, member.role, null)) {
      throw new AppError("conflict", "The last owner cannot be removed; make someone else owner first");
    }
    await tx.networkMember.delete({ where: { id: member.id } });
    await recordAudit(tx, {
      actor,
      action: "member.remove",
      networkId,
      target: { type: "member", id: member.id, name: member.user.email ?? member.user.displayName },
      before: { userId: member.userId, role: member.role },
      meta,
    });
    await emitWebhookEvent(tx, networkId, "member.changed", { change: "removed", memberId: member.id, userId: member.userId, displayName: member.user.displayName, role: null, previousRole: member.role, actor: { id: actor.id, name: actor.displayName } });
  });
}
