import { auditQuerySchema, type AuditQuery } from "./audit-query";

/** Page search params to an audit query; bad values fall back to defaults instead of failing the page. */
export function parseAuditSearch(params: Record<string, string | string[] | undefined>): AuditQuery {
  const flat = Object.fromEntries(
    Object.entries(params)
      .filter(([k]) => ["q", "action", "actor", "page"].includes(k))
      .map(([k, v]) => [k, Array.isArray(v) ? v[0] : v])
      .filter(([, v]) => v !== undefined && v !== ""),
  );
  const parsed = auditQuerySchema.safeParse(flat);
  return parsed.success ? parsed.data : auditQuerySchema.parse({});
}
