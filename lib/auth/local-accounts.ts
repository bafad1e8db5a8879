/** Local accounts: the first-run admin and password sign-in, used when Keycloak is not configured. */
import { z } from "zod";
import { nameText } from "@/lib/core/text-schema";
import { advisoryLock, db } from "@/lib/db/client";
import { recordAudit } from "@/lib/audit/record-audit";
import { AppError } from "@/lib/core/app-error";
import type { RequestMeta } from "@/lib/core/request-meta";
import { beginLoginAttempt } from "./login-throttle";
import { DUMMY_PASSWORD_HASH, hashPassword, verifyPassword } from "./password-hash";

export const LOCAL_ISSUER = "local";

export const usernameSchema = z
  .string()
  .trim()
  .toLowerCase()
  .min(3, "Use at least 3 characters")
  .max(64, "Use at most 64 characters")
  .regex(/^[a-z0-9._-]+$/, "Use letters, digits, dot, dash or underscore");

/** A local account's password: first-run setup, invites, resets and changes all take the same. */
export const passwordSchema = z.string().min(12, "Use at least 12 characters").max(256, "Use at most 256 characters");

/** A local account's name as people see it. */
export const displayNameSchema = nameText(100).min(1, "Enter your name");

export const setupSchema = z
  .object({
    username: usernameSchema,
    displayName: displayNameSchema,
    email: z.string().trim().toLowerCase().email("Enter an email address").max(254),
    password: passwordSchema,
    /** The one-time code from the server's log (lib/auth/setup-code.ts). */
    code: z.string({ message: "Enter the setup code from the server's log" }).trim().min(1, "Enter the setup code from the server's log").max(40, "That is not a setup code"),
  })
  .strict();
export type SetupInput = z.infer<typeof setupSchema>;

export async function localSetupNeeded(): Promise<boolean> {
  return (await db.user.count({ where: { issuer: LOCAL_ISSUER } })) === 0;
}

/** Creates the first administrator. Refused once any local account exists, even under a race. */
export async function createFirstAdmin(input: SetupInput, meta: RequestMeta) {
  const passwordHash = await hashPassword(input.password);
  return db.$transaction(async (tx) => {
    await advisoryLock(tx, "first-run-setup");
    if ((await tx.user.count({ where: { issuer: LOCAL_ISSUER } })) > 0) {
      throw new AppError("conflict", "Setup is already complete; sign in instead");
    }
    const user = await tx.user.create({
      data: {
        issuer: LOCAL_ISSUER,
        subject: input.username,
        email: input.email,
        displayName: input.displayName,
        systemRole: "admin",
        passwordHash,
      },
    });
    await recordAudit(tx, {
      actor: { id: user.id, displayName: user.displayName },
      action: "user.setup",
      target: { type: "user", id: user.id, name: input.username },
      after: { username: input.username, email: input.email, systemRole: "admin" },
      meta,
    });
    return user;
  });
}

/** Checks a username and password. Returns the user, or null; throws LoginThrottledError when slowed down. */
export async function verifyLocalLogin(rawUsername: string, password: string, address: string | null) {
  const parsed = usernameSchema.safeParse(rawUsername);
  const username = parsed.success ? parsed.data : rawUsername.trim().toLowerCase().slice(0, 64);
  const attempt = await beginLoginAttempt(username, address);
  const user = parsed.success
    ? await db.user.findUnique({
        where: { issuer_subject: { issuer: LOCAL_ISSUER, subject: username } },
        select: { id: true, displayName: true, email: true, systemRole: true, passwordHash: true, disabledAt: true },
      })
    : null;
  // Exactly one argon2 run on every path, against a dummy hash when there is no real one, so that
  // an unknown username answers as slowly as a wrong password.
  const matches = await verifyPassword(user?.passwordHash ?? DUMMY_PASSWORD_HASH, password);
  // A disabled account answers exactly like a wrong password (same argon2 run, same null), so
  // that sign-in tells no one which accounts exist or are disabled.
  if (!user?.passwordHash || !matches || user.disabledAt) return null; // the attempt stays counted
  await attempt.succeeded();
  await db.user.update({ where: { id: user.id }, data: { lastLoginAt: new Date() } });
  return { id: user.id, name: user.displayName, email: user.email };
}
