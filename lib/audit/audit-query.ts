/** Reading the audit trail: filtered, paginated, and limited to what the caller may see. */
import { z } from "zod";
import { db } from "@/lib/db/client";
import { lineText } from "@/lib/core/text-schema";
import type { Prisma } from "@/lib/generated/prisma/client";
import type { Actor } from "@/lib/auth/session";

/** The filters the audit list and its export share, so that an export holds exactly the rows the list shows. */
export const auditFilterShape = {
  q: lineText(200).optional(),
  action: lineText(100).optional(),
  actor: lineText(200).optional(),
};

export const auditQuerySchema = z
  .object({
    ...auditFilterShape,
    page: z.coerce.number().int().min(1).max(100000).default(1),
    pageSize: z.coerce.number().int().min(1).max(200).default(25),
  })
  .strict();

export type AuditQuery = z.infer<typeof auditQuerySchema>;
export type AuditFilter = Pick<AuditQuery, "q" | "action" | "actor">;
export type AuditScope = { networkIds: string[] | null; actorId?: string };

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
export function auditWhere(scope: AuditScope, query: AuditFilter): Prisma.AuditEventWhereInput {
  return {
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
}

export async function listAuditEvents(scope: AuditScope, query: AuditQuery): Promise<AuditPage> {
  const where = auditWhere(scope, query);
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
export async function auditScopeFor(actor: Actor): Promise<{ networkIds: string[] | null; actorId?: string }> {
  const scope = await ownerAuditScope(actor);
  const limit = actor.token?.networkId;
  // An API token limited to one network reads that network's trail only (not even its owner's
  // own events outside networks), and only while its owner may still read it.
  if (limit) return { networkIds: scope.networkIds === null || scope.networkIds.includes(limit) ? [limit] : [] };
  return scope;
}

async function ownerAuditScope(actor: Actor): Promise<{ networkIds: string[] | null; actorId: string }> {
  if (actor.systemRole === "admin") return { networkIds: null, actorId: actor.id };
  const memberships = await db.networkMember.findMany({ where: { userId: actor.id }, select: { networkId: true } });
  return { networkIds: memberships.map((m) => m.networkId), actorId: actor.id };
}
