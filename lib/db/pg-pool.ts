/**
 * A plain node-postgres pool for the one query on the agents' hot path (the credential lookup of
 * every config poll), where Prisma's per-query overhead is most of the cost. Everything else goes
 * through Prisma.
 */
import pg from "pg";
import { pgConfigFromUrl } from "./pg-config";

const holder = globalThis as { __ncPgPool?: pg.Pool };

export function hotPathPool(): pg.Pool {
  return (holder.__ncPgPool ??= new pg.Pool({ ...pgConfigFromUrl(process.env.DATABASE_URL), max: Number(process.env.DATABASE_HOT_POOL_SIZE ?? 4) }));
}
