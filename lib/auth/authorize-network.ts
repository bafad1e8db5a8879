/**
 * Loads a network with the caller's membership and checks the role. Shared by the API wrapper
 * and by server-rendered pages, so both enforce exactly the same rule.
 */
import { db } from "@/lib/db/client";
import type { Actor } from "@/lib/auth/session";
import { bestRole, effectiveRole, hasRole, type MemberRole } from "@/lib/auth/roles";
import { authMode } from "@/lib/auth/auth-config";
import { AppError } from "@/lib/core/app-error";
import { isUuid } from "@/lib/core/ids";

export interface AuthorizedNetwork {
  /** cidr is null on an IPv6-only network, cidr6 on an IPv4-only one (lib/ipam/address-space.ts). */
  network: { id: string; name: string; cidr: string | null; cidr6: string | null; description: string; createdAt: Date; createdById: string | null; pollSeconds: number };
  /** The caller's own role here: the better of their direct membership and their Keycloak groups' grants; null for a system admin looking in. */
  memberRole: MemberRole | null;
  /** What the caller may do here. */
  role: MemberRole;
}

interface AccessRow {
  id: string;
  name: string;
  cidr: string | null;
  cidr6: string | null;
  description: string;
  createdAt: Date;
  createdById: string | null;
  pollSeconds: number;
  directRole: MemberRole | null;
  groupRole: MemberRole | null;
}

export async function authorizeNetwork(actor: Actor, networkId: string, required: MemberRole): Promise<AuthorizedNetwork> {
  const notFound = new AppError("not_found", "Network not found");
  if (!isUuid(networkId)) throw notFound;
  // Group grants count only in Keycloak mode: local accounts have no groups, and a deployment
  // switched to local mode keeps its grants without them giving anyone access.
  const groupsApply = authMode() === "keycloak";
  // One query: the network, the direct membership, and the best grant to any of the user's
  // Keycloak groups (as stored at their last sign-in or session re-check).
  const rows = await db.$queryRaw<AccessRow[]>`
    SELECT n."id", n."name", n."cidr", n."cidr6", n."description", n."createdAt", n."createdById", n."pollSeconds",
           m."role"::text AS "directRole",
           (SELECT g."role"::text FROM "NetworkGroupGrant" g JOIN "User" u ON u."id" = ${actor.id}::uuid
             WHERE ${groupsApply} AND g."networkId" = n."id" AND g."groupName" = ANY(u."keycloakGroups")
             ORDER BY CASE g."role" WHEN 'owner' THEN 3 WHEN 'admin' THEN 2 ELSE 1 END DESC LIMIT 1) AS "groupRole"
    FROM "Network" n
    LEFT JOIN "NetworkMember" m ON m."networkId" = n."id" AND m."userId" = ${actor.id}::uuid
    WHERE n."id" = ${networkId}::uuid`;
  const network = rows[0];
  if (!network) throw notFound;
  const memberRole = bestRole(network.directRole, network.groupRole);
  const role = effectiveRole(memberRole, actor.systemRole);
  // Not visible at all: indistinguishable from a network that does not exist.
  if (role === null) throw notFound;
  if (!hasRole(role, required)) {
    throw new AppError("forbidden", memberRole ? `This needs the ${required} role in this network` : "System admins can only read networks they are not a member of");
  }
  const { id, name, cidr, cidr6, description, createdAt, createdById, pollSeconds } = network;
  return { network: { id, name, cidr, cidr6, description, createdAt, createdById, pollSeconds }, memberRole, role };
}
