/**
 * Who may do what inside a network. Pure, so the same rules serve the API wrapper, the pages
 * (to hide buttons) and the unit tests.
 */
export const memberRoles = ["viewer", "admin", "owner"] as const;
export type MemberRole = (typeof memberRoles)[number];
export type SystemRole = "admin" | "user";

const rank: Record<MemberRole, number> = { viewer: 1, admin: 2, owner: 3 };

/** What the caller may do: a member acts by their role; a system admin who is not a member may only read. */
export function effectiveRole(membership: MemberRole | null, systemRole: SystemRole): MemberRole | null {
  if (membership) return membership;
  return systemRole === "admin" ? "viewer" : null;
}

/** The higher of two roles (a direct membership and a group grant); null when neither is set. */
export function bestRole(a: MemberRole | null, b: MemberRole | null): MemberRole | null {
  if (!a || !b) return a ?? b;
  return rank[a] >= rank[b] ? a : b;
}

export function hasRole(actual: MemberRole | null, required: MemberRole): boolean {
  return actual !== null && rank[actual] >= rank[required];
}

/** True when demoting or removing `target` would leave the network with no owner. */
export function wouldRemoveLastOwner(ownerCount: number, targetRole: MemberRole, newRole: MemberRole | null): boolean {
  return targetRole === "owner" && newRole !== "owner" && ownerCount <= 1;
}
