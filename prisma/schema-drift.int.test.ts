/**
 * The committed migrations and schema.prisma must describe the same database: apply the migrations
 * to one fresh database, the schema's from-empty SQL to another, and compare their catalogs.
 */
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { promisify } from "node:util";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { pgConfigFromUrl } from "@/lib/db/pg-config";

const run = promisify(execFile);
const base = pgConfigFromUrl(process.env.DATABASE_URL);
const suffix = randomBytes(4).toString("hex");
const fromMigrations = `drift_mig_${suffix}`;
const fromSchema = `drift_schema_${suffix}`;

function urlFor(database: string) {
  return `postgres://${encodeURIComponent(base.user)}:${encodeURIComponent(base.password)}@${base.host}:${base.port}/${database}`;
}

async function withClient<T>(database: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ ...base, database });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

const catalogQueries = {
  columns: `SELECT table_name, column_name, data_type, udt_name, is_nullable, column_default
            FROM information_schema.columns WHERE table_schema = 'public' AND table_name <> '_prisma_migrations'
            ORDER BY 1, 2`,
  constraints: `SELECT c.conrelid::regclass::text AS tbl, c.conname, c.contype, pg_get_constraintdef(c.oid) AS def
                FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace
                WHERE n.nspname = 'public' AND c.conrelid::regclass::text <> '_prisma_migrations' ORDER BY 1, 2`,
  indexes: `SELECT tablename, indexname, indexdef FROM pg_indexes
            WHERE schemaname = 'public' AND tablename <> '_prisma_migrations' ORDER BY 1, 2`,
  enums: `SELECT t.typname, e.enumlabel, e.enumsortorder FROM pg_enum e JOIN pg_type t ON t.oid = e.enumtypid ORDER BY 1, 3`,
};

/**
 * CHECK constraints written by hand in migrations: Prisma's schema language cannot express them,
 * so the schema's SQL never has them. Each must exist in the migrated database, and is then left
 * out of the comparison.
 */
const HAND_WRITTEN_CHECKS = [{ tbl: '"Network"', conname: "Network_has_a_range", def: "CHECK (((cidr IS NOT NULL) OR (cidr6 IS NOT NULL)))" }];

async function catalog(database: string) {
  return withClient(database, async (c) => {
    const out: Record<string, unknown[]> = {};
    for (const [name, sql] of Object.entries(catalogQueries)) out[name] = (await c.query(sql)).rows;
    return out;
  });
}

afterAll(async () => {
  await withClient(base.database, async (c) => {
    for (const db of [fromMigrations, fromSchema]) await c.query(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
  });
});

describe("schema drift", () => {
  it("migrations and schema.prisma produce the same database", async () => {
    await withClient(base.database, async (c) => {
      await c.query(`CREATE DATABASE ${fromMigrations}`);
      await c.query(`CREATE DATABASE ${fromSchema}`);
    });
    const env = { ...process.env, DATABASE_URL: urlFor(fromMigrations) };
    await run("npx", ["prisma", "migrate", "deploy"], { env, timeout: 120_000 });
    const { stdout: sql } = await run("npx", ["prisma", "migrate", "diff", "--from-empty", "--to-schema-datamodel", "prisma/schema.prisma", "--script"], {
      env: { ...process.env, DATABASE_URL: urlFor(fromSchema) },
      timeout: 120_000,
    });
    await withClient(fromSchema, (c) => c.query(sql));

    const [a, b] = await Promise.all([catalog(fromMigrations), catalog(fromSchema)]);
    expect(a.columns!.length).toBeGreaterThan(10);
    const isHandWritten = (row: unknown) => HAND_WRITTEN_CHECKS.some((c) => (row as { conname: string }).conname === c.conname);
    expect(a.constraints!.filter(isHandWritten)).toEqual(HAND_WRITTEN_CHECKS.map((c) => ({ ...c, contype: "c" })));
    expect({ ...a, constraints: a.constraints!.filter((row) => !isHandWritten(row)) }).toEqual(b);
  });
});
