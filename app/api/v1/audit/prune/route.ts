import { withActor } from "@/lib/api/with-network";
import { AppError } from "@/lib/core/app-error";
import { auditRetentionDays, pruneAuditEvents } from "@/lib/audit/audit-retention";

/**
 * Prunes now what the hourly schedule would: only events older than NC_AUDIT_RETENTION_DAYS, so
 * that no one, not even a system admin, can shorten the trail below the operator's setting here.
 */
export const POST = withActor({ sessionOnly: true }, async ({ actor, meta }) => {
  if (actor.systemRole !== "admin") throw new AppError("forbidden", "Only a system administrator can prune the audit trail");
  const retentionDays = auditRetentionDays();
  if (retentionDays === null) throw new AppError("conflict", "No retention is set (NC_AUDIT_RETENTION_DAYS), so the audit trail is kept forever");
  return { retentionDays, ...(await pruneAuditEvents({ retentionDays, actor, meta })) };
});
