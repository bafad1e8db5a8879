/**
 * Loads a network with the caller's membership and checks the role. Shared by the API wrapper
 * and by server-rendered pages, so both enforce exactly the same rule.
 */
import { db } from "@/lib/db/client";
import type { Actor } from "@/lib/auth/session";
import { effectiveRole, hasRole, type MemberRole } from "@/lib/auth/roles";
import { AppError } from "@/lib/core/app-error";
import { isUuid } from "@/lib/core/ids";

export interface AuthorizedNetwork {
  network: { id: string; name: string; cidr: string; description: string; createdAt: Date; createdById: string | null; pollSeconds: number };
  /** The caller's own membership role, or null for a system admin looking in. */
  memberRole: MemberRole | null;
  /** What the caller may do here. */
  role: MemberRole;
}

export async function authorizeNetwork(actor: Actor, networkId: string, required: MemberRole): Promise<AuthorizedNetwork> {
  const notFound = new AppError("not_found", "Network not found");
  if (!isUuid(networkId)) throw notFound;
  const network = await db.network.findUnique({
    where: { id: networkId },
    include: { members: { where: { userId: actor.id }, select: { role: true } } },
  });
  if (!network) throw notFound;
  const memberRole = network.members[0]?.role ?? null;
  const role = effectiveRole(memberRole, actor.systemRole);
  // Not visible at all: indistinguishable from a network that does not exist.
  if (role === null) throw notFound;
  if (!hasRole(role, required)) {
    throw new AppError("forbidden", memberRole ? `This needs the ${required} role in this network` : "System admins can only read networks they are not a member of");
  }
  const { id, name, cidr, description, createdAt, createdById, pollSeconds } = network;
  return { network: { id, name, cidr, description, createdAt, createdById, pollSeconds }, memberRole, role };
}
