/** `npm run migrate` from several replicas at once: every migration applied exactly once, none failed. */
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readdirSync } from "node:fs";
import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pgConfigFromUrl } from "@/lib/db/pg-config";

const ROOT = path.resolve(import.meta.dirname, "..");
const base = process.env.DATABASE_URL!;
const dbName = `nc_migrate_${randomBytes(4).toString("hex")}`;
const url = Object.assign(new URL(base), { pathname: `/${dbName}` }).toString();

async function admin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client(pgConfigFromUrl(base));
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

beforeAll(() => admin((c) => c.query(`CREATE DATABASE ${dbName}`)));
afterAll(() => admin((c) => c.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`)));

function migrate(): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile("npx", ["tsx", path.join(ROOT, "scripts", "migrate.ts")], { cwd: ROOT, env: { ...process.env, DATABASE_URL: url }, timeout: 300_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof (error as { code?: unknown }).code === "number" ? (error as { code: number }).code : 1) : 0, out: `${stdout}${stderr}` });
    });
  });
}

describe("npm run migrate", () => {
  it("waits while another replica holds the migration lock, and migrates nothing meanwhile", async () => {
    const holder = new pg.Client(pgConfigFromUrl(url));
    await holder.connect();
    try {
      await holder.query("SELECT pg_advisory_lock(hashtextextended($1, 0))", ["nebula-commander:migrate"]);
      const running = migrate();
      await new Promise((r) => setTimeout(r, 4_000));
      expect((await holder.query(`SELECT to_regclass('"_prisma_migrations"') AS t`)).rows[0].t, "nothing migrated while the lock is held").toBeNull();
      await holder.query("SELECT pg_advisory_unlock(hashtextextended($1, 0))", ["nebula-commander:migrate"]);
      const r = await running;
      expect(r.code, r.out).toBe(0);
      expect(r.out).toMatch(/\[migrate\] waited \d+\.\d s for another replica's migration/);
    } finally {
      await holder.end();
    }
  });

  it("three replicas starting together apply every migration exactly once", async () => {
    const results = await Promise.all([migrate(), migrate(), migrate()]);
    for (const r of results) expect(r, r.out).toMatchObject({ code: 0 });
    const shipped = readdirSync(path.join(ROOT, "prisma", "migrations"), { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name).sort();
    const c = new pg.Client(pgConfigFromUrl(url));
    await c.connect();
    try {
      const { rows } = await c.query<{ migration_name: string; finished: boolean }>(`SELECT migration_name, finished_at IS NOT NULL AS finished FROM "_prisma_migrations" ORDER BY migration_name`);
      expect(rows.map((r) => r.migration_name)).toEqual(shipped);
      expect(rows.every((r) => r.finished)).toBe(true);
    } finally {
      await c.end();
    }
  });
});
