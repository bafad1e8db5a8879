/**
 * How many database connections one app process opens: the Prisma pool for everything, and the
 * plain pool for the agents' hot path (lib/db/pg-pool.ts). Read from the environment and checked
 * when the server starts (server.ts), so that a typo stops it there instead of becoming a pool
 * of NaN connections.
 */
import { wholeNumberOr, type Env } from "@/lib/core/whole-number-setting";

export interface PoolSizes {
  main: number;
  hotPath: number;
}

const CONNECTIONS = { unit: "connections", min: 1, max: 1_000 };

export function poolSizes(env: Env = process.env): PoolSizes {
  return { main: wholeNumberOr(env, "DATABASE_POOL_SIZE", CONNECTIONS, 10), hotPath: wholeNumberOr(env, "DATABASE_HOT_POOL_SIZE", CONNECTIONS, 4) };
}
