/**
 * Personal API tokens: made and revoked by their owner from a signed-in session, used as
 * `Authorization: Bearer ncp_…` on /api/v1 (see requireActor in lib/api/with-network.ts).
 *
 * A token is its owner with fewer rights: the owner's system role and network memberships are
 * read from the database on every request, exactly as for a session, and the token's scopes and
 * network limit only take away. Only the token's SHA-256 is stored; the token is shown once.
 */
import { z } from "zod";
import { db, transaction } from "@/lib/db/client";
import { AppError } from "@/lib/core/app-error";
import { wholeNumberOr, type Env } from "@/lib/core/whole-number-setting";
import type { RequestMeta } from "@/lib/core/request-meta";
import { nameText } from "@/lib/core/text-schema";
import { recordAudit } from "@/lib/audit/record-audit";
import { consume } from "@/lib/ratelimit/enforce-limit";
import { authorizeNetwork } from "./authorize-network";
import { displayPrefix, generateApiToken, hashApiToken, isWellFormedApiToken } from "./api-token-format";
import { allScopes, isScope, type Scope } from "./scopes";
import type { Actor } from "./session";

/** lastUsedAt and lastUsedIp are written at most this often, so a busy token is not a write per call. */
const TOUCH_EVERY_SECONDS = 60;

export const tokenCreateSchema = z
  .object({
    name: nameText(100).min(1, "Give the token a name"),
    /** Null or absent: every network the owner can see. */
    networkId: z.string().uuid("Choose a network").nullable().default(null),
    scopes: z
      .array(z.enum(allScopes as [Scope, ...Scope[]]))
      .min(1, "Choose at least one scope")
      .max(allScopes.length)
      .refine((s) => new Set(s).size === s.length, "Each scope once"),
    /** Null or absent: the token does not expire. */
    expiresAt: z.iso.datetime({ offset: true }).nullable().default(null),
  })
  .strict();
export type TokenCreateInput = z.infer<typeof tokenCreateSchema>;

export type TokenStatus = "active" | "expired" | "revoked";

export interface ApiTokenView {
  id: string;
  name: string;
  prefix: string;
  networkId: string | null;
  networkName: string | null;
  scopes: string[];
  createdAt: string;
  expiresAt: string | null;
  lastUsedAt: string | null;
  lastUsedIp: string | null;
  revokedAt: string | null;
  status: TokenStatus;
}

interface TokenRow {
  id: string;
  name: string;
  prefix: string;
  networkId: string | null;
  network?: { name: string } | null;
  scopes: string[];
  createdAt: Date;
  expiresAt: Date | null;
  lastUsedAt: Date | null;
  lastUsedIp: string | null;
  revokedAt: Date | null;
}

function statusOf(row: { expiresAt: Date | null; revokedAt: Date | null }, now = Date.now()): TokenStatus {
  if (row.revokedAt) return "revoked";
  if (row.expiresAt && row.expiresAt.getTime() <= now) return "expired";
  return "active";
}

function tokenView(row: TokenRow): ApiTokenView {
  return {
    id: row.id,
    name: row.name,
    prefix: row.prefix,
    networkId: row.networkId,
    networkName: row.network?.name ?? null,
    scopes: row.scopes,
    createdAt: row.createdAt.toISOString(),
    expiresAt: row.expiresAt?.toISOString() ?? null,
    lastUsedAt: row.lastUsedAt?.toISOString() ?? null,
    lastUsedIp: row.lastUsedIp,
    revokedAt: row.revokedAt?.toISOString() ?? null,
    status: statusOf(row),
  };
}

/** A token never makes another: a leaked one must not be able to outlive its own revocation. */
function assertSession(actor: Actor): void {
  if (actor.token) throw new AppError("forbidden", "API tokens are managed from a signed-in session, not with a token");
}

export async function listApiTokens(actor: Actor): Promise<ApiTokenView[]> {
  assertSession(actor);
  const rows = await db.apiToken.findMany({
    where: { userId: actor.id },
    include: { network: { select: { name: true } } },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
  });
  return rows.map(tokenView);
}

/** Makes a token; the secret leaves the server here, once. */
export async function createApiToken(actor: Actor, input: TokenCreateInput, meta: RequestMeta): Promise<{ token: ApiTokenView; secret: string }> {
  assertSession(actor);
  const fields: Record<string, string[]> = {};
  if (input.expiresAt && new Date(input.expiresAt).getTime() <= Date.now()) fields.expiresAt = ["Choose a time in the future"];
  if (input.networkId) {
    // Only a network the owner can see; the role needed for each call is checked when it is made.
    await authorizeNetwork(actor, input.networkId, "viewer").catch((error: unknown) => {
      if (error instanceof AppError && error.code === "not_found") fields.networkId = ["No such network"];
      else throw error;
    });
  }
  if (Object.keys(fields).length) throw new AppError("validation_failed", "Some fields are not valid", fields);
  const secret = generateApiToken();
  const token = await transaction(async (tx) => {
    const row = await tx.apiToken.create({
      data: {
        userId: actor.id,
        networkId: input.networkId,
        name: input.name,
        prefix: displayPrefix(secret),
        tokenHash: hashApiToken(secret),
        scopes: input.scopes,
        expiresAt: input.expiresAt ? new Date(input.expiresAt) : null,
      },
      include: { network: { select: { name: true } } },
    });
    const view = tokenView(row);
    await recordAudit(tx, { actor, action: "token.create", networkId: row.networkId, target: { type: "api-token", id: row.id, name: row.name }, after: view, meta });
    return view;
  });
  return { token, secret };
}

/** Revokes one of the caller's own tokens (another user's answers 404). Revoking twice is a no-op. */
export async function revokeApiToken(actor: Actor, tokenId: string, meta: RequestMeta): Promise<ApiTokenView> {
  assertSession(actor);
  return transaction(async (tx) => {
    const revoked = await tx.apiToken.updateManyAndReturn({ where: { id: tokenId, userId: actor.id, revokedAt: null }, data: { revokedAt: new Date() } });
    const row = await tx.apiToken.findFirst({ where: { id: tokenId, userId: actor.id }, include: { network: { select: { name: true } } } });
    if (!row) throw new AppError("not_found", "Token not found");
    if (revoked.length) {
      await recordAudit(tx, { actor, action: "token.revoke", networkId: row.networkId, target: { type: "api-token", id: row.id, name: row.name }, meta });
    }
    return tokenView(row);
  });
}

/** Calls per token per minute, counted in Postgres so that the limit holds across replicas. */
export function apiTokenLimitPerMinute(env: Env = process.env): number {
  return wholeNumberOr(env, "NC_API_TOKEN_LIMIT_PER_MINUTE", { unit: "calls per minute", min: 1, max: 1_000_000 }, 600);
}

const invalid = (message: string) =>
  new AppError("unauthenticated", message, undefined, { "www-authenticate": 'Bearer realm="nebula-commander", error="invalid_token"' });

/**
 * The actor behind a bearer token: its owner as the database has them now, with the token's
 * scopes and network limit attached. Refuses (401) a malformed token before any query, and an
 * unknown, revoked or expired one, or one whose owner was disabled; counts the call against the
 * token's rate limit (429).
 */
export async function actorFromApiToken(token: string, meta: RequestMeta): Promise<Actor> {
  // The checksum catches typos and made-up tokens without touching the database.
  if (!isWellFormedApiToken(token)) throw invalid("The API token is not valid");
  const row = await db.apiToken.findUnique({
    where: { tokenHash: hashApiToken(token) },
    include: { user: { select: { id: true, displayName: true, email: true, systemRole: true, disabledAt: true } } },
  });
  if (!row || row.user.disabledAt) throw invalid("The API token is not valid");
  const status = statusOf(row);
  if (status !== "active") throw invalid(`The API token is ${status}`);
  await consume([{ key: `api-token:${row.id}`, windowSeconds: 60, max: apiTokenLimitPerMinute() }], "calls with this API token");
  if (!row.lastUsedAt || row.lastUsedAt.getTime() <= Date.now() - TOUCH_EVERY_SECONDS * 1000) {
    // Conditional, so that a burst of calls (on any number of replicas) writes once a minute.
    await db.$executeRaw`
      UPDATE "ApiToken" SET "lastUsedAt" = now(), "lastUsedIp" = ${meta.clientIp}
      WHERE "id" = ${row.id}::uuid AND ("lastUsedAt" IS NULL OR "lastUsedAt" <= now() - make_interval(secs => ${TOUCH_EVERY_SECONDS}))`;
  }
  return {
    id: row.user.id,
    displayName: row.user.displayName,
    email: row.user.email,
    systemRole: row.user.systemRole,
    sid: "",
    token: { id: row.id, name: row.name, scopes: row.scopes.filter(isScope), networkId: row.networkId },
  };
}
