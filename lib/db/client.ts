import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "@/lib/generated/prisma/client";
import { pgConfigFromUrl } from "./pg-config";
import { poolSizes } from "./pool-sizes";

function createClient() {
  const adapter = new PrismaPg({
    ...pgConfigFromUrl(process.env.DATABASE_URL),
    max: poolSizes().main,
  });
  // Secret columns are left out of every query unless a caller asks for them by name
  // (see lib/auth/local-accounts.ts), so they cannot leak through a careless `include`.
  return new PrismaClient({ adapter, omit: { user: { passwordHash: true }, webhookEndpoint: { secretCiphertext: true }, ca: { keyCiphertext: true }, userSession: { refreshTokenCiphertext: true }, accountLink: { tokenHash: true }, apiToken: { tokenHash: true } } });
}

export type Db = ReturnType<typeof createClient>;
/** The client handed to `db.$transaction(async (tx) => ...)`. */
export type Tx = Parameters<Parameters<Db["$transaction"]>[0]>[0];

const holder = globalThis as { __ncDb?: Db };

function client(): Db {
  // Created on first use, not at import: `next build` imports route modules without a database.
  return (holder.__ncDb ??= createClient());
}

/** The process-wide Prisma client. */
export const db: Db = new Proxy({} as Db, {
  get(_target, prop) {
    const c = client();
    const value = Reflect.get(c, prop, c);
    return typeof value === "function" ? value.bind(c) : value;
  },
});

/**
 * Takes a transaction-scoped advisory lock, so that check-then-write sequences (last owner,
 * overlap, first-run setup) are serialised across every app replica, not just this process.
 */
export async function advisoryLock(tx: Tx, key: string): Promise<void> {
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended(${key}, 0))`;
}

/**
 * The shared side of an advisory lock: any number of holders at once, but none while someone
 * holds the same key with advisoryLock (for writes that a rare exclusive job must not race).
 */
export async function advisoryLockShared(tx: Tx, key: string): Promise<void> {
  await tx.$executeRaw`SELECT pg_advisory_xact_lock_shared(hashtextextended(${key}, 0))`;
}

/**
 * An interactive transaction with room to wait: under a burst (many enrollments at once) a
 * transaction may queue for a pooled connection or an advisory lock for longer than Prisma's 2 s
 * and 5 s defaults, and that must slow it down, not fail it.
 */
export function transaction<T>(fn: (tx: Tx) => Promise<T>, options: { maxWait?: number; timeout?: number } = {}): Promise<T> {
  return db.$transaction(fn, { maxWait: 30_000, timeout: 60_000, ...options });
}
