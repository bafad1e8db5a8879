import { withNetwork } from "@/lib/api/with-network";
import { auditQuerySchema, listAuditEvents } from "@/lib/audit/audit-query";

export const GET = withNetwork({ role: "viewer", query: auditQuerySchema, scope: "audit:read" }, async ({ access, query }) =>
  listAuditEvents({ networkIds: [access.network.id] }, query),
);
