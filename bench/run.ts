/**
 * `npm run bench [-- <name>...]`: starts a throw-away embedded Postgres (port 54359, data in
 * .data/bench), applies the migrations, runs the benchmarks one after another and always stops
 * Postgres again. Each benchmark prints its figures beside a baseline measured in the same run;
 * nothing is asserted, because timings depend on the machine.
 *
 * A benchmark is a module with `export async function run(): Promise<void>`, listed below.
 * The HTTP benchmarks (poll-rate, enrollment, fleet) come last and share one production build and
 * one app server (bench/app-server.ts), started by the first of them that runs; the app, like
 * Postgres, is always stopped at the end, on an interrupt too.
 */
import { execFile } from "node:child_process";
import { rmSync } from "node:fs";
import { createServer } from "node:net";
import { cpus } from "node:os";
import path from "node:path";
import { startEmbeddedPostgres, type RunningPostgres } from "../scripts/lib/embedded-pg";
import { stopBenchApp } from "./app-server";

interface Benchmark {
  name: string;
  needsDatabase: boolean;
  /** Imported only after the environment is set: the app's modules read it on first use. */
  load(): Promise<{ run(): Promise<void> }>;
}

const benchmarks: Benchmark[] = [
  { name: "ip-allocation", needsDatabase: true, load: () => import("./ip-allocation") },
  { name: "config-render", needsDatabase: false, load: () => import("./config-render") },
  { name: "signing", needsDatabase: false, load: () => import("./signing") },
  // Against the running production app; after the in-process ones, so those never share the CPUs with it.
  { name: "poll-rate", needsDatabase: true, load: () => import("./poll-rate") },
  { name: "enrollment", needsDatabase: true, load: () => import("./enrollment") },
  { name: "fleet", needsDatabase: true, load: () => import("./fleet") },
  // 10,000 nodes long-polling on two replicas: a rule change to every node holding its new config.
  { name: "propagation", needsDatabase: true, load: () => import("./propagation") },
  // 50,000 nodes on two replicas for 3 minutes polling every 60 s, then 3 minutes long-polling (root: raises the open-file limit).
  { name: "fleet-scale", needsDatabase: true, load: () => import("./fleet-scale") },
  // Each network page in Chromium with 10,000 nodes, beside 5.
  { name: "ui", needsDatabase: true, load: () => import("./ui") },
  // Real nebula hosts in network namespaces (root): a rule change to enforcement on a one-liner host and an nc-agent host.
  { name: "enforcement", needsDatabase: true, load: () => import("./enforcement") },
  // The compose stack on a real Docker engine (root): enrollments through the TLS proxy, one replica and two.
  { name: "replicas", needsDatabase: false, load: () => import("./replicas") },
];

const root = path.resolve(import.meta.dirname, "..");
const workDir = path.join(root, ".data", "bench");
const PG_PORT = 54359;
const DATABASE = "nc_bench";
const MIGRATE_TIMEOUT_MS = 180_000;
// A fixed, test-only master key (32 bytes), the same as the test suites use; CA keys made here are throw-away.
const BENCH_MASTER_KEY = Buffer.alloc(32, 42).toString("base64");

function selectBenchmarks(names: string[]): Benchmark[] {
  if (names.length === 0) return benchmarks;
  const unknown = names.filter((n) => !benchmarks.some((b) => b.name === n));
  if (unknown.length) throw new Error(`unknown benchmark ${unknown.join(", ")}; choose from ${benchmarks.map((b) => b.name).join(", ")}`);
  return benchmarks.filter((b) => names.includes(b.name));
}

async function assertPortFree(port: number): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const probe = createServer();
    probe.once("error", () => reject(new Error(`port ${port} is in use; is another bench still running?`)));
    probe.listen(port, "127.0.0.1", () => probe.close(() => resolve()));
  });
}

/** `prisma migrate deploy`, quiet unless it fails. */
function migrate(databaseUrl: string): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile("npx", ["prisma", "migrate", "deploy"], { cwd: root, env: { ...process.env, DATABASE_URL: databaseUrl }, timeout: MIGRATE_TIMEOUT_MS }, (error, stdout, stderr) => {
      if (!error) return resolve();
      reject(new Error(`prisma migrate deploy failed: ${error.message}\n${stdout}${stderr}`));
    });
  });
}

async function startDatabase(): Promise<{ pg: RunningPostgres; url: string }> {
  await assertPortFree(PG_PORT);
  // A clean cluster every run, so that figures never depend on what an earlier run left behind.
  // Only the cluster: the logs and the UI bench's screenshots beside it stay until they are replaced.
  const dataDir = path.join(workDir, "pg");
  rmSync(dataDir, { recursive: true, force: true });
  console.log(`[bench] starting the embedded Postgres on port ${PG_PORT}`);
  const pg = await startEmbeddedPostgres({ dataDir, port: PG_PORT, password: "bench" });
  try {
    await pg.ensureDatabase(DATABASE);
    const url = pg.url(DATABASE);
    await migrate(url);
    return { pg, url };
  } catch (error) {
    await pg.stop();
    throw error;
  }
}

/** Set before any app module is imported; an outside DATABASE_URL is replaced on purpose, the bench owns its database. */
function setBenchEnvironment(databaseUrl: string | null): void {
  if (databaseUrl) process.env.DATABASE_URL = databaseUrl;
  process.env.NC_MASTER_KEY = BENCH_MASTER_KEY;
  process.env.NEBULA_CERT_BIN ||= "/usr/bin/nebula-cert";
}

async function disconnectAppDatabase(): Promise<void> {
  const { db } = await import("@/lib/db/client");
  await db.$disconnect();
}

let database: { pg: RunningPostgres; url: string } | null = null;

/** Stops the app and Postgres if they run; safe to call twice (the `finally` and an interrupt). */
async function stopServices(): Promise<void> {
  await stopBenchApp().catch((e: unknown) => console.error("[bench] stopping the app:", e));
  const running = database;
  database = null;
  if (!running) return;
  // Close the bench's own pool first, or Postgres would stop under open connections.
  await disconnectAppDatabase().catch((e: unknown) => console.error("[bench] disconnecting:", e));
  await running.pg.stop();
  console.log("[bench] stopped the embedded Postgres");
}

// The app and Postgres run in their own process groups, so an interrupt would not reach them: stop them here.
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    console.error(`\n[bench] ${signal}: stopping the app and Postgres`);
    void stopServices().finally(() => process.exit(130));
  });
}

async function main(): Promise<number> {
  const selected = selectBenchmarks(process.argv.slice(2));
  console.log(`[bench] ${selected.map((b) => b.name).join(", ")} on ${cpus().length} CPUs (${cpus()[0]?.model.trim() ?? "unknown"}), Node ${process.version}`);
  database = selected.some((b) => b.needsDatabase) ? await startDatabase() : null;
  try {
    setBenchEnvironment(database?.url ?? null);
    for (const benchmark of selected) {
      const started = performance.now();
      const { run } = await benchmark.load();
      await run();
      console.log(`[bench] ${benchmark.name} took ${((performance.now() - started) / 1000).toFixed(1)} s`);
    }
    return 0;
  } finally {
    await stopServices();
  }
}

let exitCode = 1;
const started = performance.now();
try {
  exitCode = await main();
} catch (error) {
  console.error("\n[bench] aborted:", error instanceof Error ? error.message : error);
}
console.log(`[bench] whole run: ${((performance.now() - started) / 1000).toFixed(0)} s`);
// Exit explicitly: pooled sockets or timers in imported app modules must not keep the process alive.
process.exit(exitCode);
