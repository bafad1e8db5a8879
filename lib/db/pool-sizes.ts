/**
 * How many database connections one app process opens: the Prisma pool for everything, and the
 * plain pool for the agents' hot path (lib/db/pg-pool.ts). Read from the environment and checked
 * when the server starts (server.ts), so that a typo stops it there instead of becoming a pool
 * of NaN connections.
 */
export interface PoolSizes {
  main: number;
  hotPath: number;
}

const MAX_POOL_SIZE = 1_000;

function sizeFrom(env: Record<string, string | undefined>, name: string, fallback: number): number {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  if (!/^[0-9]{1,4}$/.test(raw) || Number(raw) < 1 || Number(raw) > MAX_POOL_SIZE) {
    throw new Error(`${name} must be a whole number of connections from 1 to ${MAX_POOL_SIZE}, not "${raw}"`);
  }
  return Number(raw);
}

export function poolSizes(env: Record<string, string | undefined> = process.env): PoolSizes {
  return { main: sizeFrom(env, "DATABASE_POOL_SIZE", 10), hotPath: sizeFrom(env, "DATABASE_HOT_POOL_SIZE", 4) };
}
