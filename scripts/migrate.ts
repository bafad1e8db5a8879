/**
 * `npm run migrate`: applies the migrations exactly once, however many app replicas start at the
 * same moment. Each takes a session-level Postgres advisory lock first, so `prisma migrate deploy`
 * runs in one replica at a time; the ones that follow find nothing left to apply. The lock is
 * Postgres's, so it holds across machines, and it goes when the connection does (a crashed
 * migrator never leaves it behind).
 */
import { execFile } from "node:child_process";
import path from "node:path";
import pg from "pg";
import { pgConfigFromUrl } from "../lib/db/pg-config";
import { wholeNumberOr } from "../lib/core/whole-number-setting";

const root = path.resolve(import.meta.dirname, "..");
const LOCK_KEY = "nebula-commander:migrate";
const MIGRATE_MS = { unit: "milliseconds", min: 0, max: 24 * 3_600_000 };
const WAIT_MS = wholeNumberOr(process.env, "NC_MIGRATE_LOCK_TIMEOUT_MS", MIGRATE_MS, 300_000);

/** The Prisma CLI is run by this Node directly: no npx, which may try the registry, and no shell. */
const PRISMA_CLI = path.join(root, "node_modules", "prisma", "build", "index.js");

function deploy(): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [PRISMA_CLI, "migrate", "deploy"], { cwd: root, env: process.env, timeout: 10 * 60_000 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`prisma migrate deploy failed: ${(stderr || stdout || error.message).trim()}`));
      else resolve(stdout);
    });
  });
}

/** The database may still be starting (a container started beside it): try for a while, then say why. */
async function connect(): Promise<pg.Client> {
  const deadline = Date.now() + wholeNumberOr(process.env, "NC_MIGRATE_CONNECT_TIMEOUT_MS", MIGRATE_MS, 120_000);
  for (let attempt = 1; ; attempt++) {
    const client = new pg.Client(pgConfigFromUrl(process.env.DATABASE_URL));
    try {
      await client.connect();
      return client;
    } catch (error) {
      await client.end().catch(() => {});
      if (Date.now() > deadline) throw error;
      if (attempt === 1) console.log(`[migrate] waiting for the database (${error instanceof Error ? error.message : String(error)})`);
      await new Promise((r) => setTimeout(r, 1_000));
    }
  }
}

async function main(): Promise<void> {
  const client = await connect();
  try {
    await client.query(`SET lock_timeout = ${Math.max(1, Math.round(WAIT_MS))}`);
    const started = Date.now();
    await client.query("SELECT pg_advisory_lock(hashtextextended($1, 0))", [LOCK_KEY]);
    const waited = Date.now() - started;
    if (waited > 200) console.log(`[migrate] waited ${(waited / 1000).toFixed(1)} s for another replica's migration`);
    const out = await deploy();
    const applied = /(\d+) migrations? (?:have been )?applied|All migrations have been successfully applied|No pending migrations to apply/i.exec(out)?.[0] ?? "done";
    console.log(`[migrate] ${applied}`);
    await client.query("SELECT pg_advisory_unlock(hashtextextended($1, 0))", [LOCK_KEY]);
  } finally {
    await client.end();
  }
}

main().catch((error: unknown) => {
  console.error(`[migrate] ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
