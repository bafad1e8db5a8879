/** Bearer secrets: 256 random bits, shown once, stored only as SHA-256 (never reversibly). */
import { createHash, randomBytes } from "node:crypto";

export const JOIN_TOKEN_PREFIX = "ncj_";
export const NODE_CREDENTIAL_PREFIX = "ncn_";

export function generateToken(prefix: string): string {
  return `${prefix}${randomBytes(32).toString("base64url")}`;
}

export function hashToken(token: string): string {
  return createHash("sha256").update(token, "utf8").digest("hex");
}

/** Cheap shape check before any database work: a wrong-looking token is rejected without a query. */
export function looksLikeToken(token: string, prefix: string): boolean {
  return token.length === prefix.length + 43 && token.startsWith(prefix) && /^[A-Za-z0-9_-]+$/.test(token.slice(prefix.length));
}
