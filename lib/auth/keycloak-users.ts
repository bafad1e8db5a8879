/** Users who sign in through Keycloak: created on first sign-in, their admin role re-read every time. */
import { db } from "@/lib/db/client";
import { recordAudit } from "@/lib/audit/record-audit";

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
}

export async function upsertKeycloakUser(issuer: string, profile: OidcProfile, roles: string[]) {
  const systemRole = roles.includes(ADMIN_REALM_ROLE) ? "admin" : "user";
  const displayName = profile.name || profile.preferred_username || profile.email || profile.sub;
  const email = profile.email?.toLowerCase() ?? null;
  return db.$transaction(async (tx) => {
    const existing = await tx.user.findUnique({ where: { issuer_subject: { issuer, subject: profile.sub } } });
    const user = await tx.user.upsert({
      where: { issuer_subject: { issuer, subject: profile.sub } },
      create: { issuer, subject: profile.sub, email, displayName, systemRole, lastLoginAt: new Date() },
      update: { email, displayName, systemRole, lastLoginAt: new Date() },
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
