import { withNetwork } from "@/lib/api/with-network";
import { auditExportQuerySchema, auditExportResponse } from "@/lib/audit/audit-export";

/** The network's events, filtered like its audit list, as a CSV or JSON-lines download. */
export const GET = withNetwork({ role: "viewer", query: auditExportQuerySchema, scope: "audit:read" }, async ({ access, query }) =>
  auditExportResponse({ networkIds: [access.network.id] }, query, `audit-${access.network.name}`),
);
