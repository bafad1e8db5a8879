/**
 * One-time links for local accounts: an admin's invite (the person picks their own username and
 * password) and an admin's password-reset link. Like join links: 256 random bits, shown once, only
 * the SHA-256 stored, and each one is claimed by a conditional update inside the transaction that
 * uses it, so two tabs (or two replicas) racing on one link cannot both succeed.
 */
import { db, type Tx } from "@/lib/db/client";
import { recordAudit } from "@/lib/audit/record-audit";
import { AppError } from "@/lib/core/app-error";
import type { RequestMeta } from "@/lib/core/request-meta";
import { LOCAL_ISSUER } from "@/lib/auth/local-accounts";
import { hashPassword } from "@/lib/auth/password-hash";
import type { Actor } from "@/lib/auth/session";
import { generateToken, hashToken, looksLikeToken } from "@/lib/enroll/tokens";
import { publicBaseUrl } from "@/lib/enroll/link-service";
import { Prisma } from "@/lib/generated/prisma/client";
import type { InviteAcceptInput, InviteCreateInput } from "./user-schemas";

export const INVITE_TOKEN_PREFIX = "nci_";
export const RESET_TOKEN_PREFIX = "ncr_";
export const INVITE_LIFETIME_HOURS = 72;
export const RESET_LIFETIME_HOURS = 24;

export type AccountLinkKind = "invite" | "reset";

const prefixOf = (kind: AccountLinkKind) => (kind === "invite" ? INVITE_TOKEN_PREFIX : RESET_TOKEN_PREFIX);
const pathOf = (kind: AccountLinkKind) => (kind === "invite" ? "invite" : "reset");

/** One answer for every link that cannot be used, so that the answer tells nothing about why. */
export const UNUSABLE_ACCOUNT_LINK = "This link cannot be used: it has expired, was already used or was revoked. Ask an administrator for a new one.";

export function accountLinkUrl(kind: AccountLinkKind, token: string): string {
  return `${publicBaseUrl()}/${pathOf(kind)}/${token}`;
}

export interface IssuedLink {
  id: string;
  url: string;
  expiresAt: string;
}

export interface PendingInvite {
  id: string;
  note: string;
  systemRole: "admin" | "user";
  createdAt: string;
  expiresAt: string;
}

/** A live link for the token, or null: unknown, malformed, used, revoked and expired alike. */
export async function findUsableLink(token: string, kind: AccountLinkKind) {
  if (!looksLikeToken(token, prefixOf(kind))) return null;
  const link = await db.accountLink.findUnique({
    where: { tokenHash: hashToken(token) },
    include: { user: { select: { id: true, displayName: true, subject: true, issuer: true } } },
  });
  if (!link || link.kind !== kind || link.usedAt || link.revokedAt || link.expiresAt.getTime() <= Date.now()) return null;
  return link;
}

/** Marks the link used, if it still may be; a second use (or a racing one) is refused. */
async function claimLink(tx: Tx, id: string): Promise<void> {
  const now = new Date();
  const claimed = await tx.accountLink.updateMany({ where: { id, usedAt: null, revokedAt: null, expiresAt: { gt: now } }, data: { usedAt: now } });
  if (claimed.count !== 1) throw new AppError("not_found", UNUSABLE_ACCOUNT_LINK);
}

export async function createInvite(actor: Actor, input: InviteCreateInput, meta: RequestMeta): Promise<IssuedLink> {
  const token = generateToken(INVITE_TOKEN_PREFIX);
  const expiresAt = new Date(Date.now() + INVITE_LIFETIME_HOURS * 3600_000);
  const link = await db.$transaction(async (tx) => {
    const created = await tx.accountLink.create({
      data: { kind: "invite", tokenHash: hashToken(token), note: input.note, systemRole: input.systemRole, expiresAt, createdById: actor.id },
    });
    await recordAudit(tx, {
      actor,
      action: "user.invited",
      target: { type: "invite", id: created.id, name: input.note || null },
      after: { note: input.note, systemRole: input.systemRole, expiresAt: expiresAt.toISOString() },
      meta,
    });
    return created;
  });
  return { id: link.id, url: accountLinkUrl("invite", token), expiresAt: expiresAt.toISOString() };
}

export async function listPendingInvites(): Promise<PendingInvite[]> {
  const rows = await db.accountLink.findMany({
    where: { kind: "invite", usedAt: null, revokedAt: null, expiresAt: { gt: new Date() } },
    orderBy: { createdAt: "desc" },
    take: 200,
  });
  return rows.map((r) => ({ id: r.id, note: r.note, systemRole: r.systemRole, createdAt: r.createdAt.toISOString(), expiresAt: r.expiresAt.toISOString() }));
}

export async function revokeInvite(actor: Actor, inviteId: string, meta: RequestMeta): Promise<void> {
  await db.$transaction(async (tx) => {
    const revoked = await tx.accountLink.updateMany({ where: { id: inviteId, kind: "invite", usedAt: null, revokedAt: null }, data: { revokedAt: new Date() } });
    if (revoked.count !== 1) throw new AppError("not_found", "No pending invite with that id");
    await recordAudit(tx, { actor, action: "invite.revoked", target: { type: "invite", id: inviteId }, meta });
  });
}

/**
 * Creates the invited person's account and uses the invite, in one transaction. The password is
 * hashed before it starts (argon2 takes tens of milliseconds; no row is locked meanwhile).
 */
export async function acceptInvite(input: InviteAcceptInput, meta: RequestMeta) {
  const link = await findUsableLink(input.token, "invite");
  if (!link) throw new AppError("not_found", UNUSABLE_ACCOUNT_LINK);
  const passwordHash = await hashPassword(input.password);
  try {
    return await db.$transaction(async (tx) => {
      await claimLink(tx, link.id);
      const user = await tx.user.create({
        data: {
          issuer: LOCAL_ISSUER,
          subject: input.username,
          email: input.email || null,
          displayName: input.displayName,
          systemRole: link.systemRole,
          passwordHash,
        },
      });
      await tx.accountLink.update({ where: { id: link.id }, data: { userId: user.id } });
      await recordAudit(tx, {
        actor: { id: user.id, displayName: user.displayName },
        action: "invite.used",
        target: { type: "user", id: user.id, name: input.username },
        after: { inviteId: link.id, username: input.username, email: user.email, systemRole: user.systemRole },
        meta,
      });
      return { id: user.id, username: input.username, displayName: user.displayName };
    });
  } catch (error) {
    // The unique (issuer, subject): the whole transaction rolled back, so the invite is still unused.
    if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === "P2002") {
      throw new AppError("validation_failed", "Some fields are not valid", { username: ["That username is taken; choose another"] });
    }
    throw error;
  }
}

/** A new reset link for a local account; any older unused one of that user stops working. */
export async function issuePasswordReset(actor: Actor, userId: string, meta: RequestMeta): Promise<IssuedLink> {
  const token = generateToken(RESET_TOKEN_PREFIX);
  const expiresAt = new Date(Date.now() + RESET_LIFETIME_HOURS * 3600_000);
  const link = await db.$transaction(async (tx) => {
    const user = await tx.user.findFirst({ where: { id: userId, issuer: LOCAL_ISSUER }, select: { id: true, subject: true } });
    if (!user) throw new AppError("not_found", "User not found");
    await tx.accountLink.updateMany({ where: { kind: "reset", userId, usedAt: null, revokedAt: null }, data: { revokedAt: new Date() } });
    const created = await tx.accountLink.create({ data: { kind: "reset", tokenHash: hashToken(token), userId, expiresAt, createdById: actor.id } });
    await recordAudit(tx, {
      actor,
      action: "user.password_reset_issued",
      target: { type: "user", id: user.id, name: user.subject },
      after: { linkId: created.id, expiresAt: expiresAt.toISOString() },
      meta,
    });
    return created;
  });
  return { id: link.id, url: accountLinkUrl("reset", token), expiresAt: expiresAt.toISOString() };
}

/** Sets the new password, uses the link and ends every session of the user, in one transaction. */
export async function redeemPasswordReset(token: string, password: string, meta: RequestMeta): Promise<{ username: string }> {
  const link = await findUsableLink(token, "reset");
  if (!link?.user) throw new AppError("not_found", UNUSABLE_ACCOUNT_LINK);
  const user = link.user;
  const passwordHash = await hashPassword(password);
  await db.$transaction(async (tx) => {
    await claimLink(tx, link.id);
    await tx.user.update({ where: { id: user.id }, data: { passwordHash } });
    const ended = await tx.userSession.deleteMany({ where: { userId: user.id } });
    await recordAudit(tx, {
      actor: { id: user.id, displayName: user.displayName },
      action: "user.password_changed",
      target: { type: "user", id: user.id, name: user.subject },
      after: { via: "reset_link", linkId: link.id, sessionsEnded: ended.count },
      meta,
    });
  });
  return { username: user.subject };
}
