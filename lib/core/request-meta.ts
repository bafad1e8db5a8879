/**
 * What the domain services know of the request that called them: enough for the audit trail and
 * per-address limits, nothing of HTTP itself (that stays in lib/api).
 */
export interface RequestMeta {
  requestId: string;
  clientIp: string | null;
}
