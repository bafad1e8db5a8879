/** Reading the audit trail: filtered, paginated, and limited to what the caller may see. */
import { z } from "zod";
import { db } from "@/lib/db/client";
import { lineText } from "@/lib/core/text-schema";
import type { Prisma } from "@/lib/generated/prisma/client";
import type { Actor } from "@/lib/auth/session";

export const auditQuerySchema = z
  .object({
    q: lineText(200).optional(),
    action: lineText(100).optional(),
    actor: lineText(200).optional(),
    page: z.coerce.number().int().min(1).max(100000).default(1),
    pageSize: z.coerce.number().int().min(1).max(200).default(25),
  })
  .strict();

export type AuditQuery = z.infer<typeof auditQuerySchema>;

export interface AuditPage {
  events: Array<{
    id: string;
    networkId: string | null;
    actorName: string;
    action: string;
    targetType: string;
    targetId: string | null;
    targetName: string | null;
    before: unknown;
    after: unknown;
    clientIp: string | null;
    requestId: string | null;
    createdAt: string;
  }>;
  total: number;
  page: number;
  pageSize: number;
}

/** `networkIds` null means every network (a system admin); otherwise only those networks' events. */
export async function listAuditEvents(scope: { networkIds: string[] | null; actorId?: string }, query: AuditQuery): Promise<AuditPage> {
  const where: Prisma.AuditEventWhereInput = {
    AND: [
      scope.networkIds === null
        ? {}
        : { OR: [{ networkId: { in: scope.networkIds } }, ...(scope.actorId ? [{ networkId: null, actorId: scope.actorId }] : [])] },
      query.action ? { action: { startsWith: query.action } } : {},
      query.actor ? { actorName: { contains: query.actor, mode: "insensitive" } } : {},
      query.q
        ? {
            OR: [
              { targetName: { contains: query.q, mode: "insensitive" } },
              { action: { contains: query.q, mode: "insensitive" } },
              { actorName: { contains: query.q, mode: "insensitive" } },
            ],
          }
        : {},
    ],
  };
  const [total, rows] = await Promise.all([
    db.auditEvent.count({ where }),
    db.auditEvent.findMany({
      where,
      orderBy: [{ createdAt: "desc" }, { id: "desc" }],
      skip: (query.page - 1) * query.pageSize,
      take: query.pageSize,
    }),
  ]);
  return {
    total,
    page: query.page,
    pageSize: query.pageSize,
    events: rows.map((r) => ({ ...r, createdAt: r.createdAt.toISOString() })),
  };
}

/** The ids of the networks whose audit trail `actor` may read; null means all of them. */
export async function auditScopeFor(actor: Actor): Promise<{ networkIds: string[] | null; actorId: string }> {
  if (actor.systemRole === "admin") return { networkIds: null, actorId: actor.id };
  const memberships = await db.networkMember.findMany({ where: { userId: actor.id }, select: { networkId: true } });
  return { networkIds: memberships.map((m) => m.networkId), actorId: actor.id };
}
