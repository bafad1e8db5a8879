/** Users who sign in through Keycloak: created on first sign-in, their admin role and groups re-read every time. */
import { db, type Tx } from "@/lib/db/client";
import { recordAudit } from "@/lib/audit/record-audit";
import { keycloakTokenUrl, type KeycloakSettings } from "./auth-config";
import type { SystemRole } from "./roles";

export const ADMIN_REALM_ROLE = "nebula-admin";

/** What the app reads from a Keycloak access token: realm roles and group paths. */
export interface KeycloakClaims {
  roles: string[];
  /** Full group paths (`/ops`, `/eng/ops`) from the realm's "groups" mapper; [] when the claim is absent. */
  groups: string[];
}

const strings = (value: unknown): string[] => (Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : []);

/** Sorted and without repeats, so that a claim listing the same groups in another order is no change. */
export const normalizeGroups = (groups: string[]): string[] => [...new Set(groups)].sort();

/**
 * Realm roles and groups from the access token. The token came straight from Keycloak's token
 * endpoint over the back channel, so its payload is read without re-verifying the signature.
 */
export function keycloakClaimsOf(accessToken: string | undefined): KeycloakClaims {
  const payload = accessToken?.split(".")[1];
  if (!payload) return { roles: [], groups: [] };
  try {
    const claims = JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as { realm_access?: { roles?: unknown }; groups?: unknown };
    return { roles: strings(claims.realm_access?.roles), groups: normalizeGroups(strings(claims.groups)) };
  } catch {
    return { roles: [], groups: [] };
  }
}

export const realmRolesOf = (accessToken: string | undefined): string[] => keycloakClaimsOf(accessToken).roles;

export interface OidcProfile {
  sub: string;
  email?: string | null;
  name?: string | null;
  preferred_username?: string | null;
  /** Keycloak's claim that the user proved the address; anything but `true` counts as unproven. */
  email_verified?: boolean | null;
}

const systemRoleFor = (roles: string[]): SystemRole => (roles.includes(ADMIN_REALM_ROLE) ? "admin" : "user");

const sameGroups = (a: string[], b: string[]) => a.length === b.length && a.every((g, i) => g === b[i]);

type AuditUser = { id: string; displayName: string; email: string | null };

/** Audits a change of the user's Keycloak groups (which can change their roles in networks through group grants). */
async function auditGroupsChange(tx: Tx, user: AuditUser, before: string[], after: string[]) {
  if (sameGroups(before, after)) return;
  await recordAudit(tx, {
    actor: { id: user.id, displayName: user.displayName },
    action: "user.groups_changed",
    target: { type: "user", id: user.id, name: user.email ?? user.displayName },
    before: { groups: before },
    after: { groups: after },
  });
}

export async function upsertKeycloakUser(issuer: string, profile: OidcProfile, claims: KeycloakClaims) {
  const systemRole = systemRoleFor(claims.roles);
  const keycloakGroups = normalizeGroups(claims.groups);
  const displayName = profile.name || profile.preferred_username || profile.email || profile.sub;
  const email = profile.email?.toLowerCase() ?? null;
  // Adding a member by email trusts only verified addresses (lib/networks/member-service.ts).
  const emailVerified = email !== null && profile.email_verified === true;
  return db.$transaction(async (tx) => {
    // FOR UPDATE: two sign-ins at once must not both audit the same change of groups.
    const locked = await tx.$queryRaw<Array<{ id: string }>>`
      SELECT "id" FROM "User" WHERE "issuer" = ${issuer} AND "subject" = ${profile.sub} FOR UPDATE`;
    const existing = locked.length ? await tx.user.findUnique({ where: { id: locked[0]!.id } }) : null;
    const user = await tx.user.upsert({
      where: { issuer_subject: { issuer, subject: profile.sub } },
      create: { issuer, subject: profile.sub, email, emailVerified, displayName, systemRole, keycloakGroups, lastLoginAt: new Date() },
      update: { email, emailVerified, displayName, systemRole, keycloakGroups, lastLoginAt: new Date() },
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
    await auditGroupsChange(tx, user, existing?.keycloakGroups ?? [], keycloakGroups);
    return user;
  });
}

/**
 * Sets the user's system role and Keycloak groups from freshly read claims (a session re-check);
 * each change is audited. The groups are replaced whole, in one statement, under the row lock.
 */
export async function applyKeycloakClaims(userId: string, claims: KeycloakClaims): Promise<SystemRole> {
  const systemRole = systemRoleFor(claims.roles);
  const keycloakGroups = normalizeGroups(claims.groups);
  await db.$transaction(async (tx) => {
    // Locked, so that two re-checks at once record one change, not two.
    const rows = await tx.$queryRaw<Array<{ systemRole: SystemRole; keycloakGroups: string[] }>>`
      SELECT "systemRole"::text AS "systemRole", coalesce("keycloakGroups", ARRAY[]::text[]) AS "keycloakGroups" FROM "User" WHERE "id" = ${userId}::uuid FOR UPDATE`;
    const before = rows[0];
    if (!before) return;
    if (before.systemRole === systemRole && sameGroups(before.keycloakGroups, keycloakGroups)) return;
    const user = await tx.user.update({ where: { id: userId }, data: { systemRole, keycloakGroups } });
    if (before.systemRole !== systemRole) {
      await recordAudit(tx, {
        actor: { id: user.id, displayName: user.displayName },
        action: "user.role",
        target: { type: "user", id: user.id, name: user.email ?? user.displayName },
        before: { systemRole: before.systemRole },
        after: { systemRole },
      });
    }
    await auditGroupsChange(tx, user, before.keycloakGroups, keycloakGroups);
  });
  return systemRole;
}

export type RefreshOutcome =
  /** Keycloak still vouches for the user: their current realm roles and groups, and the rotated refresh token if any. */
  | { kind: "ok"; claims: KeycloakClaims; refreshToken: string | null }
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
    return { kind: "ok", claims: keycloakClaimsOf(body.access_token), refreshToken: typeof body.refresh_token === "string" ? body.refresh_token : null };
  }
  if (res.status === 400 && body?.error === "invalid_grant") return { kind: "refused" };
  // Never the body: it may echo tokens.
  console.warn(`[auth] Keycloak session re-check: token endpoint answered ${res.status} ${typeof body?.error === "string" ? body.error : ""}`);
  return { kind: "unavailable" };
}
