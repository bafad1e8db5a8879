import { withActor } from "@/lib/api/with-network";
import { auditQuerySchema, auditScopeFor, listAuditEvents } from "@/lib/audit/audit-query";

export const GET = withActor({ query: auditQuerySchema, scope: "audit:read", honoursNetworkLimit: true }, async ({ actor, query }) => listAuditEvents(await auditScopeFor(actor), query));
