/** Users as a system admin sees them (local mode), the user search behind member pickers, and password changes. */
import { db } from "@/lib/db/client";
import { recordAudit } from "@/lib/audit/record-audit";
import { AppError } from "@/lib/core/app-error";
import type { RequestMeta } from "@/lib/core/request-meta";
import { authMode } from "@/lib/auth/auth-config";
import { LOCAL_ISSUER } from "@/lib/auth/local-accounts";
import { hashPassword, verifyPassword } from "@/lib/auth/password-hash";
import type { Actor } from "@/lib/auth/session";
import type { Prisma } from "@/lib/generated/prisma/client";
import { consume } from "@/lib/ratelimit/enforce-limit";
import { USER_SEARCH_MAX_RESULTS, USERS_PAGE_SIZE, type PasswordChangeInput, type UserListQuery } from "./user-schemas";

/** Guesses at the current password from a session someone else holds, per user. */
export const PASSWORD_CHANGE_LIMIT = { windowSeconds: 15 * 60, max: 10 };

export const KEYCLOAK_MANAGES_USERS = "Users are managed in Keycloak: invite, disable and reset them there.";

/** Local accounts are managed here only in local mode; in Keycloak mode these routes do not exist. */
export function assertLocalMode(): void {
  if (authMode() !== "local") throw new AppError("not_found", "Not found");
}

/** The user-management routes are for system admins; anyone else is told they do not exist. */
export function assertSystemAdmin(actor: Actor): void {
  assertLocalMode();
  if (actor.systemRole !== "admin") throw new AppError("not_found", "Not found");
}

export interface UserRow {
  id: string;
  displayName: string;
  /** The sign-in name of a local account; null for a Keycloak user. */
  username: string | null;
  email: string | null;
  systemRole: "admin" | "user";
  disabled: boolean;
  lastLoginAt: string | null;
  createdAt: string;
}

export interface UserPage {
  users: UserRow[];
  page: number;
  pages: number;
  pageSize: number;
  total: number;
}

function matching(q: string): Prisma.UserWhereInput {
  if (!q) return {};
  return {
    OR: [
      { displayName: { contains: q, mode: "insensitive" } },
      { email: { contains: q, mode: "insensitive" } },
      { AND: [{ issuer: LOCAL_ISSUER }, { subject: { contains: q, mode: "insensitive" } }] },
    ],
  };
}

export async function listUsers(query: UserListQuery): Promise<UserPage> {
  const where = matching(query.q);
  const total = await db.user.count({ where });
  const pages = Math.max(1, Math.ceil(total / USERS_PAGE_SIZE));
  const page = Math.min(query.page, pages);
  const rows = await db.user.findMany({
    where,
    orderBy: [{ displayName: "asc" }, { id: "asc" }],
    skip: (page - 1) * USERS_PAGE_SIZE,
    take: USERS_PAGE_SIZE,
  });
  return {
    users: rows.map((u) => ({
      id: u.id,
      displayName: u.displayName,
      username: u.issuer === LOCAL_ISSUER ? u.subject : null,
      email: u.email,
      systemRole: u.systemRole,
      disabled: u.disabledAt !== null,
      lastLoginAt: u.lastLoginAt?.toISOString() ?? null,
      createdAt: u.createdAt.toISOString(),
    })),
    page,
    pages,
    pageSize: USERS_PAGE_SIZE,
    total,
  };
}

export interface UserChoice {
  id: string;
  displayName: string;
  username: string | null;
}

/**
 * For pickers (add a member): enabled users whose name, username or email contains the text. Only
 * ids and names come back, a handful at a time, so that the search lists no one's address.
 */
export async function searchUsers(q: string): Promise<UserChoice[]> {
  const rows = await db.user.findMany({
    where: { disabledAt: null, ...matching(q) },
    select: { id: true, displayName: true, issuer: true, subject: true },
    orderBy: [{ displayName: "asc" }, { id: "asc" }],
    take: USER_SEARCH_MAX_RESULTS,
  });
  return rows.map((u) => ({ id: u.id, displayName: u.displayName, username: u.issuer === LOCAL_ISSUER ? u.subject : null }));
}

/**
 * Disables or re-enables a user. Disabling deletes every session of theirs in the same
 * transaction; the session query also refuses disabled users, so a request that read the session
 * a moment before still cannot outlive this.
 */
export async function setUserDisabled(actor: Actor, userId: string, disabled: boolean, meta: RequestMeta) {
  if (disabled && userId === actor.id) throw new AppError("conflict", "You cannot disable your own account");
  return db.$transaction(async (tx) => {
    const user = await tx.user.findUnique({ where: { id: userId }, select: { id: true, issuer: true, subject: true, displayName: true, disabledAt: true } });
    if (!user) throw new AppError("not_found", "User not found");
    if ((user.disabledAt !== null) === disabled) return { id: user.id, disabled, sessionsEnded: 0 };
    await tx.user.update({ where: { id: user.id }, data: { disabledAt: disabled ? new Date() : null } });
    const ended = disabled ? (await tx.userSession.deleteMany({ where: { userId: user.id } })).count : 0;
    await recordAudit(tx, {
      actor,
      action: disabled ? "user.disabled" : "user.enabled",
      target: { type: "user", id: user.id, name: user.issuer === LOCAL_ISSUER ? user.subject : user.displayName },
      before: { disabled: !disabled },
      after: disabled ? { disabled, sessionsEnded: ended } : { disabled },
      meta,
    });
    return { id: user.id, disabled, sessionsEnded: ended };
  });
}

/**
 * A local user changes their own password: the current one is required (a borrowed, unlocked
 * browser is not enough), and every other session of theirs ends; this one stays signed in.
 */
export async function changeOwnPassword(actor: Actor, input: PasswordChangeInput, meta: RequestMeta): Promise<{ sessionsEnded: number }> {
  const user = await db.user.findUnique({ where: { id: actor.id }, select: { id: true, issuer: true, subject: true, passwordHash: true } });
  if (!user || user.issuer !== LOCAL_ISSUER || !user.passwordHash) {
    throw new AppError("conflict", "This account has no password here; it is managed by your identity provider");
  }
  await consume([{ key: `password-change:user:${user.id}`, ...PASSWORD_CHANGE_LIMIT }], "password changes");
  if (!(await verifyPassword(user.passwordHash, input.currentPassword))) {
    throw new AppError("validation_failed", "Some fields are not valid", { currentPassword: ["That is not your current password"] });
  }
  const passwordHash = await hashPassword(input.newPassword);
  return db.$transaction(async (tx) => {
    await tx.user.update({ where: { id: user.id }, data: { passwordHash } });
    const ended = await tx.userSession.deleteMany({ where: { userId: user.id, id: { not: actor.sid } } });
    await recordAudit(tx, {
      actor,
      action: "user.password_changed",
      target: { type: "user", id: user.id, name: user.subject },
      after: { via: "own_account", sessionsEnded: ended.count },
      meta,
    });
    return { sessionsEnded: ended.count };
  });
}
