/**
 * Ready means: the database answers and every migration this build ships is applied (a replica
 * that starts before `prisma migrate deploy` finished must not take traffic).
 */
import { readdirSync } from "node:fs";
import path from "node:path";
import { db } from "./client";

/** The migrations this build carries: the folders of prisma/migrations. */
export function shippedMigrations(dir = path.join(process.cwd(), "prisma", "migrations")): string[] {
  // Read at run time from the image, not traced into a build: hence the ignore comment for Next.
  return readdirSync(/*turbopackIgnore: true*/ dir, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
}

export type Readiness = { ready: true } | { ready: false; reason: string };

export async function readiness(expected: string[] = shippedMigrations()): Promise<Readiness> {
  let applied: string[];
  try {
    const rows = await db.$queryRaw<Array<{ migration_name: string }>>`
      SELECT migration_name FROM "_prisma_migrations" WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL`;
    applied = rows.map((r) => r.migration_name);
  } catch (error) {
    const message = error instanceof Error ? error.message.split("\n")[0] : String(error);
    return { ready: false, reason: `the database does not answer or has no migrations table (${message})` };
  }
  const missing = expected.filter((m) => !applied.includes(m));
  if (missing.length) return { ready: false, reason: `migrations not applied yet: ${missing.join(", ")}` };
  return { ready: true };
}
