import type { Tx } from "@/lib/db/client";
import type { RequestMeta } from "@/lib/core/request-meta";
import type { Prisma } from "@/lib/generated/prisma/client";

export interface AuditActor {
  id: string | null;
  displayName: string;
  /** The API token the request came with, if any: the trail says "<user> via token <name>". */
  token?: { name: string } | null;
}

export function auditActorName(actor: AuditActor): string {
  return actor.token ? `${actor.displayName} via token ${actor.token.name}` : actor.displayName;
}

export interface AuditInput {
  actor: AuditActor;
  action: string;
  networkId?: string | null;
  target: { type: string; id?: string | null; name?: string | null };
  before?: unknown;
  after?: unknown;
  meta?: RequestMeta;
}

function json(value: unknown): Prisma.InputJsonValue | undefined {
  return value === undefined || value === null ? undefined : (JSON.parse(JSON.stringify(value)) as Prisma.InputJsonValue);
}

/** Writes an audit event. Always called with the transaction that makes the change it records. */
export async function recordAudit(tx: Tx, input: AuditInput): Promise<void> {
  await tx.auditEvent.create({
    data: {
      networkId: input.networkId ?? null,
      actorId: input.actor.id,
      actorName: auditActorName(input.actor),
      action: input.action,
      targetType: input.target.type,
      targetId: input.target.id ?? null,
      targetName: input.target.name ?? null,
      before: json(input.before),
      after: json(input.after),
      clientIp: input.meta?.clientIp ?? null,
      requestId: input.meta?.requestId ?? null,
    },
  });
}
