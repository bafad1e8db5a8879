/** Sign-in settings read from the environment. */
import { wholeNumberOr, type Env } from "@/lib/core/whole-number-setting";

export type AuthMode = "keycloak" | "local";

export interface KeycloakSettings {
  /** The issuer browsers see and tokens name (KEYCLOAK_ISSUER). */
  issuer: string;
  /** Where this server reads the OpenID configuration: the same issuer, or KEYCLOAK_INTERNAL_ISSUER. */
  discoveryUrl: string;
  clientId: string;
  clientSecret: string;
}

const KEYCLOAK_VARS = ["KEYCLOAK_ISSUER", "KEYCLOAK_CLIENT_ID", "KEYCLOAK_CLIENT_SECRET"] as const;
/** Optional in Keycloak mode, and as wrong as the required ones in local mode. */
const OPTIONAL_KEYCLOAK_VARS = ["KEYCLOAK_INTERNAL_ISSUER"] as const;

/** A sign-in configuration the server must not start with. */
export class AuthConfigError extends Error {
  override name = "AuthConfigError";
}

/**
 * The sign-in mode, explicit: AUTH_MODE=local or AUTH_MODE=keycloak. Unset means local only when
 * no KEYCLOAK_* variable is set, so a Keycloak deployment with a missing or misspelt variable
 * stops with a reason instead of quietly falling back to local accounts (and an open setup page).
 */
export function authMode(env: Record<string, string | undefined> = process.env): AuthMode {
  const mode = env.AUTH_MODE?.trim();
  const present: string[] = KEYCLOAK_VARS.filter((k) => env[k]);
  const missing = KEYCLOAK_VARS.filter((k) => !env[k]);
  if (mode === "keycloak") {
    if (missing.length) throw new AuthConfigError(`AUTH_MODE=keycloak needs ${missing.join(", ")}; set them (see keycloak/nebula-realm.json) or use AUTH_MODE=local`);
    return "keycloak";
  }
  if (mode === "local") {
    present.push(...OPTIONAL_KEYCLOAK_VARS.filter((k) => env[k]));
    if (present.length) throw new AuthConfigError(`AUTH_MODE=local, but ${present.join(", ")} ${present.length > 1 ? "are" : "is"} set; remove ${present.length > 1 ? "them" : "it"}, or set AUTH_MODE=keycloak`);
    return "local";
  }
  if (mode) throw new AuthConfigError(`AUTH_MODE must be local or keycloak, not "${mode}"`);
  if (present.length) throw new AuthConfigError(`${present.join(", ")} ${present.length > 1 ? "are" : "is"} set but AUTH_MODE is not: set AUTH_MODE=keycloak (with all of ${KEYCLOAK_VARS.join(", ")}) or AUTH_MODE=local`);
  return "local";
}

/**
 * KEYCLOAK_INTERNAL_ISSUER is for servers that reach Keycloak by another name than browsers do (a
 * compose service name): the discovery document is read there, and Keycloak (with
 * KC_HOSTNAME_BACKCHANNEL_DYNAMIC) answers with the public issuer and authorization endpoint but
 * token, user-info and key endpoints on the internal name; tokens are still checked against the
 * public issuer.
 */
export function keycloakSettings(env: Record<string, string | undefined> = process.env): KeycloakSettings | null {
  if (authMode(env) !== "keycloak") return null;
  const issuer = env.KEYCLOAK_ISSUER!.replace(/\/$/, "");
  const discoveryBase = env.KEYCLOAK_INTERNAL_ISSUER?.trim().replace(/\/$/, "") || issuer;
  return { issuer, discoveryUrl: `${discoveryBase}/.well-known/openid-configuration`, clientId: env.KEYCLOAK_CLIENT_ID!, clientSecret: env.KEYCLOAK_CLIENT_SECRET! };
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

/** Sessions end after this long, whatever the activity (the cookie's own lifetime, too). */
export const SESSION_MAX_AGE_SECONDS = 12 * 60 * 60;

export interface SessionLifetimes {
  /** From sign-in to the end, however active (NC_SESSION_MAX_AGE_SECONDS). */
  absoluteSeconds: number;
  /** Without a request for this long, the session ends (NC_SESSION_IDLE_SECONDS). */
  idleSeconds: number;
  /** How often Keycloak is asked whether the user may still sign in (NC_SESSION_RECHECK_SECONDS). */
  recheckSeconds: number;
}

/** Up to a year: a session's lifetime, idle time or re-check interval beyond that is a typo. */
const SESSION_SECONDS = { unit: "seconds", min: 1, max: 365 * 24 * 60 * 60 };

export function sessionLifetimes(env: Env = process.env): SessionLifetimes {
  return {
    absoluteSeconds: wholeNumberOr(env, "NC_SESSION_MAX_AGE_SECONDS", SESSION_SECONDS, SESSION_MAX_AGE_SECONDS),
    idleSeconds: wholeNumberOr(env, "NC_SESSION_IDLE_SECONDS", SESSION_SECONDS, 2 * 60 * 60),
    recheckSeconds: wholeNumberOr(env, "NC_SESSION_RECHECK_SECONDS", SESSION_SECONDS, 5 * 60),
  };
}

/** Keycloak's token endpoint, where this server reaches it (the internal issuer when there is one). */
export function keycloakTokenUrl(kc: KeycloakSettings): string {
  return `${kc.discoveryUrl.replace(/\/\.well-known\/openid-configuration$/, "")}/protocol/openid-connect/token`;
}
