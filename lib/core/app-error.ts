/**
 * The one error type of the domain services. lib/api maps its code to an HTTP status; the
 * message is shown to the user, so it never holds secrets.
 */
export const errorStatus = {
  bad_request: 400,
  validation_failed: 400,
  unauthenticated: 401,
  csrf_failed: 403,
  forbidden: 403,
  /** A node whose administrator blocked it: its agent stops for good. */
  node_blocked: 403,
  not_found: 404,
  method_not_allowed: 405,
  conflict: 409,
  /** A rule change that would break a policy assertion (fields.policy names each); owners may override. */
  policy_violation: 409,
  /** A node that was deleted: its agent stops for good. */
  gone: 410,
  payload_too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
  internal: 500,
  unavailable: 503,
} as const;

export type ErrorCode = keyof typeof errorStatus;

/** Field path (dot-joined) to the messages for that field, for inline form errors. */
export type FieldErrors = Record<string, string[]>;

export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly fields?: FieldErrors,
    readonly headers?: Record<string, string>,
  ) {
    super(message);
    this.name = "AppError";
  }

  get status(): number {
    return errorStatus[this.code];
  }
}
