/**
 * A plain node-postgres pool for the agents' hot paths, where Prisma's per-query overhead is most
 * of the cost: a config poll's credential lookup and woken polls' reads and writes, and an
 * enrollment's address claim. Everything else goes through Prisma.
 */
import pg from "pg";
import { pgConfigFromUrl } from "./pg-config";
import { poolSizes } from "./pool-sizes";

const holder = globalThis as { __ncPgPool?: pg.Pool };

export function hotPathPool(): pg.Pool {
  if (!holder.__ncPgPool) {
    const pool = new pg.Pool({ ...pgConfigFromUrl(process.env.DATABASE_URL), max: poolSizes().hotPath });
    // An idle connection that Postgres closes (a restart, a failover) must not become an uncaught
    // exception: the pool drops it and the next query opens a new one.
    pool.on("error", (error) => console.error(`[db] an idle connection was closed: ${error.message}`));
    holder.__ncPgPool = pool;
  }
  return holder.__ncPgPool;
}
