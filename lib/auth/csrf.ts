/**
 * CSRF tokens for cookie-authenticated API calls. Stateless: an HMAC of the session's random id,
 * so any replica can check it and it dies with the session.
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import { authSecret } from "./auth-config";

export const CSRF_HEADER = "x-csrf-token";

export function csrfTokenFor(sessionId: string): string {
  return createHmac("sha256", authSecret()).update(`csrf:${sessionId}`).digest("base64url");
}

export function isValidCsrfToken(sessionId: string, presented: string | null): boolean {
  if (!presented) return false;
  const expected = Buffer.from(csrfTokenFor(sessionId));
  const given = Buffer.from(presented);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
