import { withActor } from "@/lib/api/with-network";
import { auditScopeFor } from "@/lib/audit/audit-query";
import { auditExportQuerySchema, auditExportResponse } from "@/lib/audit/audit-export";

/** Every event the caller may read, filtered like GET /audit, as a CSV or JSON-lines download. */
export const GET = withActor({ query: auditExportQuerySchema, scope: "audit:read", honoursNetworkLimit: true }, async ({ actor, query }) => auditExportResponse(await auditScopeFor(actor), query, "audit"));
