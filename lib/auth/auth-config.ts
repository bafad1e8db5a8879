/** Sign-in settings read from the environment. */

export type AuthMode = "keycloak" | "local";

export interface KeycloakSettings {
  issuer: string;
  clientId: string;
  clientSecret: string;
}

export function keycloakSettings(): KeycloakSettings | null {
  const issuer = process.env.KEYCLOAK_ISSUER;
  const clientId = process.env.KEYCLOAK_CLIENT_ID;
  const clientSecret = process.env.KEYCLOAK_CLIENT_SECRET;
  if (!issuer || !clientId || !clientSecret) return null;
  return { issuer: issuer.replace(/\/$/, ""), clientId, clientSecret };
}

/** Keycloak when all three of its variables are set; otherwise local accounts (the embedded default). */
export function authMode(): AuthMode {
  return keycloakSettings() ? "keycloak" : "local";
}

export function authSecret(): string {
  const secret = process.env.NEXTAUTH_SECRET;
  if (!secret || secret.length < 32) {
    // No fallback even in development: a guessable secret lets anyone forge a session.
    throw new Error("NEXTAUTH_SECRET must be set to at least 32 random characters");
  }
  return secret;
}

/** Secure cookies whenever the public URL is https; browsers refuse them over plain http elsewhere. */
export function secureCookiesEnabled(): boolean {
  return (process.env.NEXTAUTH_URL ?? "").startsWith("https://");
}

export function sessionCookieName(): string {
  return `${secureCookiesEnabled() ? "__Secure-" : ""}next-auth.session-token`;
}

/** Sessions end after this long, whatever the activity. */
export const SESSION_MAX_AGE_SECONDS = 12 * 60 * 60;
