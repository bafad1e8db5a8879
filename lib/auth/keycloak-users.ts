/** Users who sign in through Keycloak: created on first sign-in, their admin role re-read every time. */
import { db } from "@/lib/db/client";
import { recordAudit } from "@/lib/audit/record-audit";
import { keycloakTokenUrl, type KeycloakSettings } from "./auth-config";
import type { SystemRole } from "./roles";

export const ADMIN_REALM_ROLE = "nebula-admin";

/**
 * Realm roles from the access token. The token came straight from Keycloak's token endpoint over
 * the back channel, so its payload is read without re-verifying the signature.
 */
export function realmRolesOf(accessToken: string | undefined): string[] {
  const payload = accessToken?.split(".")[1];
  if (!payload) return [];
  try {
    const claims = JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as { realm_access?: { roles?: unknown } };
    const roles = claims.realm_access?.roles;
    return Array.isArray(roles) ? roles.filter((r): r is string => typeof r === "string") : [];
  } catch {
    return [];
  }
}

export interface OidcProfile {
  sub: string;
  email?: string | null;
  name?: string | null;
  preferred_username?: string | null;
  /** Keycloak's claim that the user proved the address; anything but `true` counts as unproven. */
  email_verified?: boolean | null;
}

const systemRoleFor = (roles: string[]): SystemRole => (roles.includes(ADMIN_REALM_ROLE) ? "admin" : "user");

export async function upsertKeycloakUser(issuer: string, profile: OidcProfile, roles: string[]) {
  const systemRole = systemRoleFor(roles);
  const displayName = profile.name || profile.preferred_username || profile.email || profile.sub;
  const email = profile.email?.toLowerCase() ?? null;
  // Adding a member by email trusts only verified addresses (lib/networks/member-service.ts).
  const emailVerified = email !== null && profile.email_verified === true;
  return db.$transaction(async (tx) => {
    const existing = await tx.user.findUnique({ where: { issuer_subject: { issuer, subject: profile.sub } } });
    const user = await tx.user.upsert({
      where: { issuer_subject: { issuer, subject: profile.sub } },
      create: { issuer, subject: profile.sub, email, emailVerified, displayName, systemRole, lastLoginAt: new Date() },
      update: { email, emailVerified, displayName, systemRole, lastLoginAt: new Date() },
    });
    if (!existing || existing.systemRole !== systemRole) {
      await recordAudit(tx, {
        actor: { id: user.id, displayName },
        action: existing ? "user.role" : "user.create",
        target: { type: "user", id: user.id, name: email ?? displayName },
        before: existing ? { systemRole: existing.systemRole } : undefined,
        after: { email, systemRole },
      });
    }
    return user;
  });
}

/** Sets the user's system role from freshly read realm roles (a session re-check); audited when it changes. */
export async function applyKeycloakRoles(userId: string, roles: string[]): Promise<SystemRole> {
  const systemRole = systemRoleFor(roles);
  await db.$transaction(async (tx) => {
    // Conditional, so that two re-checks at once record one change, not two.
    const changed = await tx.user.updateMany({ where: { id: userId, systemRole: { not: systemRole } }, data: { systemRole } });
    if (!changed.count) return;
    const user = await tx.user.findUniqueOrThrow({ where: { id: userId } });
    await recordAudit(tx, {
      actor: { id: user.id, displayName: user.displayName },
      action: "user.role",
      target: { type: "user", id: user.id, name: user.email ?? user.displayName },
      before: { systemRole: systemRole === "admin" ? "user" : "admin" },
      after: { systemRole },
    });
  });
  return systemRole;
}

export type RefreshOutcome =
  /** Keycloak still vouches for the user: their current realm roles, and the rotated refresh token if any. */
  | { kind: "ok"; roles: string[]; refreshToken: string | null }
  /** Keycloak said no (invalid_grant: user disabled or deleted, session ended, token revoked). */
  | { kind: "refused" }
  /** No verdict (Keycloak down, misconfigured client): the caller keeps the session until the next try. */
  | { kind: "unavailable" };

const REFRESH_TIMEOUT_MS = 5000;

/** The refresh-token grant at Keycloak's token endpoint, over the back channel. */
export async function refreshKeycloakGrant(kc: KeycloakSettings, refreshToken: string): Promise<RefreshOutcome> {
  let res: Response;
  try {
    res = await fetch(keycloakTokenUrl(kc), {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", accept: "application/json" },
      body: new URLSearchParams({ grant_type: "refresh_token", refresh_token: refreshToken, client_id: kc.clientId, client_secret: kc.clientSecret }),
      signal: AbortSignal.timeout(REFRESH_TIMEOUT_MS),
      redirect: "error",
    });
  } catch (error) {
    console.warn(`[auth] Keycloak session re-check failed: ${(error as Error).name}`);
    return { kind: "unavailable" };
  }
  const body = (await res.json().catch(() => null)) as { access_token?: unknown; refresh_token?: unknown; error?: unknown } | null;
  if (res.ok && typeof body?.access_token === "string") {
    return { kind: "ok", roles: realmRolesOf(body.access_token), refreshToken: typeof body.refresh_token === "string" ? body.refresh_token : null };
  }
  if (res.status === 400 && body?.error === "invalid_grant") return { kind: "refused" };
  // Never the body: it may echo tokens.
  console.warn(`[auth] Keycloak session re-check: token endpoint answered ${res.status} ${typeof body?.error === "string" ? body.error : ""}`);
  return { kind: "unavailable" };
}
