/**
 * Reads the signed-in user from a request's cookies. Works on a plain Request, so route
 * handlers, server components and integration tests all take the same path.
 */
import { decode } from "next-auth/jwt";
import { authSecret, sessionCookieName } from "./auth-config";
import type { SystemRole } from "./roles";
import type { Scope } from "./scopes";
import { loadLiveSession } from "./user-sessions";

/** What next-auth keeps in its encrypted session cookie (see lib/auth/auth-options.ts). */
export interface SessionClaims {
  uid: string;
  /** Random per sign-in: the id of its UserSession row; CSRF tokens are bound to it. */
  sid: string;
  provider: string;
  idToken?: string;
}

export interface Actor {
  id: string;
  displayName: string;
  email: string | null;
  systemRole: SystemRole;
  /** The session's id; empty for a request made with an API token (which has no session). */
  sid: string;
  /** Set when the request came with an API token instead of a session (lib/auth/api-tokens.ts). */
  token?: ApiTokenGrant;
}

/** What an API token adds to its owner: scopes and an optional network, both only narrowing. */
export interface ApiTokenGrant {
  id: string;
  name: string;
  scopes: readonly Scope[];
  /** Null: every network the owner can see. */
  networkId: string | null;
}

export function parseCookies(header: string | null): Map<string, string> {
  const map = new Map<string, string>();
  for (const part of (header ?? "").split(";")) {
    const eq = part.indexOf("=");
    if (eq < 1) continue;
    const name = part.slice(0, eq).trim();
    try {
      map.set(name, decodeURIComponent(part.slice(eq + 1).trim()));
    } catch {
      // A malformed cookie is ignored, not fatal.
    }
  }
  return map;
}

/** next-auth splits large session cookies into `name.0`, `name.1`, ...; join them back. */
function sessionToken(cookies: Map<string, string>): string | null {
  const name = sessionCookieName();
  const whole = cookies.get(name);
  if (whole) return whole;
  const chunks: string[] = [];
  for (let i = 0; cookies.has(`${name}.${i}`); i++) chunks.push(cookies.get(`${name}.${i}`)!);
  return chunks.length ? chunks.join("") : null;
}

export async function readSessionClaims(cookieHeader: string | null): Promise<SessionClaims | null> {
  const token = sessionToken(parseCookies(cookieHeader));
  if (!token) return null;
  try {
    const claims = await decode({ token, secret: authSecret() });
    if (!claims || typeof claims.uid !== "string" || typeof claims.sid !== "string") return null;
    return {
      uid: claims.uid,
      sid: claims.sid,
      provider: String(claims.provider ?? ""),
      idToken: typeof claims.idToken === "string" ? claims.idToken : undefined,
    };
  } catch {
    return null; // forged, expired or from another secret
  }
}

/**
 * The actor behind a cookie header, loaded fresh from the database together with the session row:
 * a deleted user, or a session ended by sign-out, age, idleness or Keycloak, is signed out.
 */
export async function actorFromCookies(cookieHeader: string | null): Promise<Actor | null> {
  const claims = await readSessionClaims(cookieHeader);
  if (!claims) return null;
  const live = await loadLiveSession(claims.sid, claims.uid);
  if (!live) return null;
  return { id: live.userId, displayName: live.displayName, email: live.email, systemRole: live.systemRole, sid: claims.sid };
}
