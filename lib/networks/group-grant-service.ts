/**
 * Roles in a network for Keycloak groups. A user's groups are stored on their row at every
 * sign-in and session re-check (lib/auth/keycloak-users.ts); authorizeNetwork takes the better of
 * their direct membership and their groups' grants. A group-granted owner does not count for the
 * last-owner rule (member-service.ts): a group can empty out in Keycloak without this app hearing
 * of it, so a network always keeps a direct owner.
 */
import { advisoryLock, db, type Tx } from "@/lib/db/client";
import { recordAudit } from "@/lib/audit/record-audit";
import { AppError } from "@/lib/core/app-error";
import type { RequestMeta } from "@/lib/core/request-meta";
import type { Actor } from "@/lib/auth/session";
import type { MemberRole } from "@/lib/auth/roles";
import { authMode } from "@/lib/auth/auth-config";
import type { GroupGrantCreateInput, GroupGrantUpdateInput } from "./group-grant-schemas";

export interface GroupGrantView {
  id: string;
  groupName: string;
  role: MemberRole;
  grantedBy: { id: string | null; name: string };
  createdAt: string;
  updatedAt: string;
  /** Users whose stored groups include this one now (as of their last sign-in or re-check). */
  members: Array<{ userId: string; displayName: string; email: string | null }>;
}

interface MemberRow {
  grantId: string;
  userId: string;
  displayName: string;
  email: string | null;
}

/** The Keycloak groups that give this user roles: none in local mode (see authorizeNetwork). */
export async function keycloakGroupsOf(userId: string): Promise<string[]> {
  if (authMode() !== "keycloak") return [];
  const user = await db.user.findUnique({ where: { id: userId }, select: { keycloakGroups: true } });
  return user?.keycloakGroups ?? [];
}

export async function listGroupGrants(networkId: string): Promise<GroupGrantView[]> {
  const grants = await db.networkGroupGrant.findMany({ where: { networkId }, orderBy: [{ groupName: "asc" }] });
  if (!grants.length) return [];
  // `@>` rather than `= ANY`, so that the GIN index on the users' groups is used.
  const members = await db.$queryRaw<MemberRow[]>`
    SELECT g."id" AS "grantId", u."id" AS "userId", u."displayName", u."email"
    FROM "NetworkGroupGrant" g JOIN "User" u ON u."keycloakGroups" @> ARRAY[g."groupName"]
    WHERE g."networkId" = ${networkId}::uuid
    ORDER BY u."displayName", u."id"`;
  return grants.map((g) => ({
    id: g.id,
    groupName: g.groupName,
    role: g.role,
    grantedBy: { id: g.grantedById, name: g.grantedByName },
    createdAt: g.createdAt.toISOString(),
    updatedAt: g.updatedAt.toISOString(),
    members: members.filter((m) => m.grantId === g.id).map(({ userId, displayName, email }) => ({ userId, displayName, email })),
  }));
}

// The same lock as direct memberships: who may do what in a network changes one change at a time.
const lockAccess = (tx: Tx, networkId: string) => advisoryLock(tx, `network-members:${networkId}`);

async function lockedGrant(tx: Tx, networkId: string, grantId: string) {
  await lockAccess(tx, networkId);
  const grant = await tx.networkGroupGrant.findFirst({ where: { id: grantId, networkId } });
  if (!grant) throw new AppError("not_found", "Group grant not found");
  return grant;
}

export async function createGroupGrant(actor: Actor, networkId: string, input: GroupGrantCreateInput, meta: RequestMeta) {
  return db.$transaction(async (tx) => {
    await lockAccess(tx, networkId);
    const existing = await tx.networkGroupGrant.findUnique({ where: { networkId_groupName: { networkId, groupName: input.groupName } } });
    if (existing) throw new AppError("validation_failed", "Some fields are not valid", { groupName: ["This group already has a role here; change that one"] });
    const grant = await tx.networkGroupGrant.create({
      data: { networkId, groupName: input.groupName, role: input.role, grantedById: actor.id, grantedByName: actor.displayName },
    });
    await recordAudit(tx, {
      actor,
      action: "group_grant.add",
      networkId,
      target: { type: "group_grant", id: grant.id, name: grant.groupName },
      after: { groupName: grant.groupName, role: grant.role },
      meta,
    });
    return grant;
  });
}

/** A new role; whoever changed it is shown as the one who granted it (the audit keeps the history). */
export async function changeGroupGrant(actor: Actor, networkId: string, grantId: string, input: GroupGrantUpdateInput, meta: RequestMeta) {
  return db.$transaction(async (tx) => {
    const grant = await lockedGrant(tx, networkId, grantId);
    if (grant.role === input.role) return grant;
    const updated = await tx.networkGroupGrant.update({
      where: { id: grant.id },
      data: { role: input.role, grantedById: actor.id, grantedByName: actor.displayName },
    });
    await recordAudit(tx, {
      actor,
      action: "group_grant.role",
      networkId,
      target: { type: "group_grant", id: grant.id, name: grant.groupName },
      before: { role: grant.role },
      after: { role: updated.role },
      meta,
    });
    return updated;
  });
}

export async function removeGroupGrant(actor: Actor, networkId: string, grantId: string, meta: RequestMeta): Promise<void> {
  await db.$transaction(async (tx) => {
    const grant = await lockedGrant(tx, networkId, grantId);
    await tx.networkGroupGrant.delete({ where: { id: grant.id } });
    await recordAudit(tx, {
      actor,
      action: "group_grant.remove",
      networkId,
      target: { type: "group_grant", id: grant.id, name: grant.groupName },
      before: { groupName: grant.groupName, role: grant.role },
      meta,
    });
  });
}
