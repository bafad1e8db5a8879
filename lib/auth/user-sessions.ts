/**
 * Server-side sessions. next-auth's encrypted cookie names a row here by its `sid`; the row decides
 * whether the cookie still counts, so signing out (here or everywhere), the absolute and idle
 * lifetimes and Keycloak's verdict on the user take effect at once, whatever cookie a browser
 * (or an attacker who copied it) still holds.
 */
import { randomBytes } from "node:crypto";
import { db } from "@/lib/db/client";
import { decryptSecret, encryptSecret } from "@/lib/pki/secret-box";
import { keycloakSettings, sessionLifetimes } from "./auth-config";
import { applyKeycloakClaims, refreshKeycloakGrant } from "./keycloak-users";
import type { SystemRole } from "./roles";

/** lastSeenAt is written at most this often, so that the hot path is not a write per request. */
const TOUCH_EVERY_SECONDS = 60;

/** The additional authenticated data that binds a sealed refresh token to its session. */
const refreshTokenAad = (sid: string) => `session-refresh:${sid}`;

export interface NewSession {
  userId: string;
  provider: string;
  /** Keycloak's refresh token, for the periodic re-check; sealed before it is stored. */
  refreshToken?: string | null;
}

/** Records a sign-in; returns the session id that goes into the cookie. */
export async function createUserSession({ userId, provider, refreshToken }: NewSession): Promise<string> {
  const sid = randomBytes(32).toString("base64url");
  const { absoluteSeconds, idleSeconds } = sessionLifetimes();
  const now = Date.now();
  await db.userSession.create({
    data: {
      id: sid,
      userId,
      provider,
      createdAt: new Date(now),
      lastSeenAt: new Date(now),
      recheckedAt: new Date(now),
      expiresAt: new Date(now + absoluteSeconds * 1000),
      refreshTokenCiphertext: refreshToken ? encryptSecret(refreshToken, refreshTokenAad(sid)) : null,
    },
  });
  // Ended sessions are swept here rather than by a scheduler: sign-in is rare. The user's own
  // (expired or idle), and a bounded batch of anyone's expired ones (expiresAt is indexed).
  await db.userSession.deleteMany({
    where: { userId, OR: [{ expiresAt: { lte: new Date(now) } }, { lastSeenAt: { lte: new Date(now - idleSeconds * 1000) } }] },
  });
  await db.$executeRaw`
    DELETE FROM "UserSession" WHERE "id" IN (SELECT "id" FROM "UserSession" WHERE "expiresAt" <= now() LIMIT 100)`;
  return sid;
}

export interface LiveSession {
  userId: string;
  displayName: string;
  email: string | null;
  systemRole: SystemRole;
}

interface SessionRow extends LiveSession {
  provider: string;
  expiresAt: Date;
  lastSeenAt: Date;
  recheckedAt: Date;
}

/**
 * The session and its user, or null when the session is gone, past its absolute lifetime, idle
 * too long, belongs to someone else or to a disabled user, or Keycloak no longer vouches for the user.
 * One query on the common path (this runs for every request); a write at most once a minute.
 * Disabling a user deletes their sessions too; checking disabledAt here as well means that no
 * session row that outlives it (a race, a restore) can count.
 */
export async function loadLiveSession(sid: string, uid: string): Promise<LiveSession | null> {
  const rows = await db.$queryRaw<SessionRow[]>`
    SELECT s."userId", s."provider", s."expiresAt", s."lastSeenAt", s."recheckedAt",
           u."displayName", u."email", u."systemRole"::text AS "systemRole"
    FROM "UserSession" s JOIN "User" u ON u."id" = s."userId"
    WHERE s."id" = ${sid} AND u."disabledAt" IS NULL`;
  const row = rows[0];
  if (!row || row.userId !== uid) return null;
  const { idleSeconds, recheckSeconds } = sessionLifetimes();
  const now = Date.now();
  if (row.expiresAt.getTime() <= now || row.lastSeenAt.getTime() <= now - idleSeconds * 1000) {
    await endSession(sid);
    return null;
  }
  if (row.lastSeenAt.getTime() <= now - TOUCH_EVERY_SECONDS * 1000) {
    // Conditional, so that a burst of requests from one page load writes once, on one replica.
    await db.$executeRaw`
      UPDATE "UserSession" SET "lastSeenAt" = now()
      WHERE "id" = ${sid} AND "lastSeenAt" <= now() - make_interval(secs => ${TOUCH_EVERY_SECONDS})`;
  }
  let systemRole = row.systemRole;
  if (row.provider === "keycloak" && row.recheckedAt.getTime() <= now - recheckSeconds * 1000) {
    const outcome = await recheckKeycloakSession(sid, row.userId, recheckSeconds);
    if (outcome === "ended") return null;
    if (outcome) systemRole = outcome.systemRole;
  }
  return { userId: row.userId, displayName: row.displayName, email: row.email, systemRole };
}

/**
 * Asks Keycloak, with the stored refresh token, whether the user may still be signed in, and
 * re-reads their realm roles and groups (group grants follow at once: authorizeNetwork reads them). Only the request that wins the conditional update asks, so replicas
 * (and parallel requests) do not each call Keycloak. Returns null when another request is already
 * on it or Keycloak could not be reached (the session stands until the next re-check).
 */
export async function recheckKeycloakSession(sid: string, userId: string, recheckSeconds: number): Promise<"ended" | { systemRole: SystemRole } | null> {
  const claimed = await db.$queryRaw<Array<{ refreshTokenCiphertext: string | null }>>`
    UPDATE "UserSession" SET "recheckedAt" = now()
    WHERE "id" = ${sid} AND "recheckedAt" <= now() - make_interval(secs => ${recheckSeconds})
    RETURNING "refreshTokenCiphertext"`;
  if (!claimed.length) return null;
  const kc = keycloakSettings();
  const sealed = claimed[0]!.refreshTokenCiphertext;
  let refreshToken: string | null = null;
  try {
    refreshToken = sealed ? decryptSecret(sealed, refreshTokenAad(sid)) : null;
  } catch {
    refreshToken = null; // e.g. sealed under a master key since rotated away: sign in again
  }
  if (!kc || !refreshToken) {
    await endSession(sid);
    return "ended";
  }
  const grant = await refreshKeycloakGrant(kc, refreshToken);
  if (grant.kind === "unavailable") return null;
  if (grant.kind === "refused") {
    await endSession(sid);
    return "ended";
  }
  await db.userSession.updateMany({
    where: { id: sid },
    data: { refreshTokenCiphertext: encryptSecret(grant.refreshToken ?? refreshToken, refreshTokenAad(sid)) },
  });
  return { systemRole: await applyKeycloakClaims(userId, grant.claims) };
}

/** Whether the session still counts (no touch, no re-check): for next-auth re-issuing its cookie. */
export async function sessionIsLive(sid: string): Promise<boolean> {
  const { idleSeconds } = sessionLifetimes();
  const now = Date.now();
  const live = await db.userSession.count({
    where: { id: sid, expiresAt: { gt: new Date(now) }, lastSeenAt: { gt: new Date(now - idleSeconds * 1000) }, user: { disabledAt: null } },
  });
  return live > 0;
}

export async function endSession(sid: string): Promise<void> {
  await db.userSession.deleteMany({ where: { id: sid } });
}

/** "Sign out everywhere": every session of the user, this one included. Returns how many ended. */
export async function endAllSessions(userId: string): Promise<number> {
  return (await db.userSession.deleteMany({ where: { userId } })).count;
}
