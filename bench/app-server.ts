/**
 * The production app for the HTTP benchmarks (poll-rate, enrollment, fleet): built once when the
 * build is missing or older than the sources, started once with `npx tsx server.ts` on the first
 * benchmark that asks, shared by the rest, and stopped by run.ts in its `finally`.
 */
import { createWriteStream, existsSync, readdirSync, statSync, type WriteStream } from "node:fs";
import path from "node:path";
import { startService, waitForHttp, type Started } from "../scripts/lib/processes";

export const APP_PORT = 3301;
/** 127.0.0.1, not localhost: the bench sends traffic to the loopback address only, and IPv4 avoids a resolver hop. */
export const APP_HOST = "127.0.0.1";

const root = path.resolve(import.meta.dirname, "..");
const buildIdFile = path.join(root, ".next", "BUILD_ID");
// Only the bench's own throw-away secret; the app refuses to start without one.
export const BENCH_AUTH_SECRET = "bench-secret-that-is-long-enough-for-next-auth-0001";
/** Opens /metrics, where the propagation benchmark reads held polls and memory. */
export const BENCH_METRICS_TOKEN = "bench-metrics-token";
const BUILD_TIMEOUT_MS = 6 * 60_000;
/** Another `next build` in this checkout holds .next/lock; ours then fails at once, so wait and look again. */
const BUILD_ATTEMPTS = 3;
const BUILD_RETRY_DELAY_MS = 20_000;
const STARTUP_TIMEOUT_MS = 90_000;
/** Sources that end up in the build. Tests are never bundled, so editing one does not make the build stale. */
const SOURCE_DIRS = ["app", "lib"];
const SOURCE_FILES = ["next.config.ts", "package-lock.json"];
const isSource = (name: string) => /\.(tsx?|css|json|mjs)$/.test(name) && !/\.test\.tsx?$/.test(name);

export interface BenchApp {
  baseUrl: string;
  port: number;
  logFile: string;
}

/** What this module started, so that stopBenchApp can stop it even halfway through starting. */
const children: { build: Started | null; app: Started | null; log: WriteStream | null } = { build: null, app: null, log: null };
let starting: Promise<BenchApp> | null = null;

/** The running app, started (and built, if stale) on first use. */
export function benchApp(): Promise<BenchApp> {
  starting ??= start();
  return starting;
}

/** Stops whatever was started (a build, the app); safe to call more than once and when nothing was started. */
export async function stopBenchApp(): Promise<void> {
  starting = null;
  const { build, app, log } = children;
  Object.assign(children, { build: null, app: null, log: null });
  if (build) await build.stop();
  if (app) {
    await app.stop();
    console.log("[bench] stopped the app");
  }
  log?.end();
}

async function start(): Promise<BenchApp> {
  await ensureBuild();
  const databaseUrl = process.env.DATABASE_URL;
  if (!databaseUrl) throw new Error("the app benchmarks need the bench database (DATABASE_URL is not set)");
  const logFile = path.join(root, ".data", "bench", "app.log");
  children.log = createWriteStream(logFile);
  console.log(`[bench] starting the production app on http://${APP_HOST}:${APP_PORT} (log: ${path.relative(root, logFile)})`);
  const app = startService("app", "npx", ["tsx", "server.ts"], { cwd: root, env: appEnvironment(databaseUrl), logFile: children.log });
  children.app = app;
  await waitForHttp(`http://${APP_HOST}:${APP_PORT}/api/health`, STARTUP_TIMEOUT_MS, app);
  return { baseUrl: `http://${APP_HOST}:${APP_PORT}`, port: APP_PORT, logFile };
}

/**
 * The environment scripts/run-tests.ts gives the app, with the bench's database, master key (so CAs
 * the bench creates in-process can be unsealed by the app) and nebula-cert. TRUSTED_PROXIES lets
 * the enrollment benchmark give each request its own X-Forwarded-For address, so the per-address
 * enrollment limit (30/min) measures nothing but itself.
 */
function appEnvironment(databaseUrl: string, at = { host: APP_HOST, port: APP_PORT, publicUrl: `http://${APP_HOST}:${APP_PORT}` }): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NEXT_TELEMETRY_DISABLED: "1",
    DATABASE_URL: databaseUrl,
    NEXTAUTH_SECRET: BENCH_AUTH_SECRET,
    NEXTAUTH_URL: at.publicUrl,
    PORT: String(at.port),
    HOST: at.host,
    TRUSTED_PROXIES: "127.0.0.1/32",
    METRICS_TOKEN: BENCH_METRICS_TOKEN,
    NODE_ENV: "production",
  };
  for (const key of ["KEYCLOAK_ISSUER", "KEYCLOAK_CLIENT_ID", "KEYCLOAK_CLIENT_SECRET"]) delete env[key];
  return env;
}

/**
 * A second app instance of the same build, for a benchmark whose clients are not on loopback (the
 * enforcement benchmark's hosts live in network namespaces behind the lab's bridge). The caller
 * stops it.
 */
export async function startAppAt(at: { host: string; port: number; publicUrl: string }, extraEnv: Record<string, string> = {}): Promise<Started> {
  await ensureBuild();
  const databaseUrl = process.env.DATABASE_URL;
  if (!databaseUrl) throw new Error("the app benchmarks need the bench database (DATABASE_URL is not set)");
  const log = createWriteStream(path.join(root, ".data", "bench", `app-${at.port}.log`));
  const app = startService(`app-${at.port}`, "npx", ["tsx", "server.ts"], { cwd: root, env: { ...appEnvironment(databaseUrl, at), ...extraEnv }, logFile: log });
  await waitForHttp(`http://127.0.0.1:${at.port}/api/health`, STARTUP_TIMEOUT_MS, app);
  return app;
}

/** Builds unless .next/BUILD_ID is newer than every source file; says which it did. */
async function ensureBuild(): Promise<void> {
  for (let attempt = 1; attempt <= BUILD_ATTEMPTS; attempt++) {
    const stale = buildStaleness();
    if (!stale) {
      console.log("[bench] reusing the production build in .next (BUILD_ID is newer than every file under app/ and lib/)");
      return;
    }
    console.log(`[bench] building the app (npx next build): ${stale}`);
    const started = performance.now();
    const code = await runBuild();
    if (code === 0) {
      console.log(`[bench] build took ${((performance.now() - started) / 1000).toFixed(0)} s (output in .data/bench/next-build.log)`);
      return;
    }
    if (attempt < BUILD_ATTEMPTS) {
      console.log(`[bench] next build exited with ${code} (another build in this checkout?); looking again in ${BUILD_RETRY_DELAY_MS / 1000} s`);
      await new Promise((resolve) => setTimeout(resolve, BUILD_RETRY_DELAY_MS));
    }
  }
  throw new Error("next build failed; see .data/bench/next-build.log");
}

/** Why a build is needed, or null when the existing one is current. */
function buildStaleness(): string | null {
  if (!existsSync(buildIdFile)) return ".next/BUILD_ID is missing";
  const built = statSync(buildIdFile).mtimeMs;
  const newest = newestSource();
  if (newest && newest.mtimeMs > built) return `${path.relative(root, newest.file)} is newer than .next/BUILD_ID`;
  return null;
}

function newestSource(): { file: string; mtimeMs: number } | null {
  let newest: { file: string; mtimeMs: number } | null = null;
  const consider = (file: string) => {
    const mtimeMs = statSync(file).mtimeMs;
    if (!newest || mtimeMs > newest.mtimeMs) newest = { file, mtimeMs };
  };
  for (const dir of SOURCE_DIRS) {
    for (const entry of readdirSync(path.join(root, dir), { recursive: true, withFileTypes: true })) {
      if (entry.isFile() && isSource(entry.name)) consider(path.join(entry.parentPath, entry.name));
    }
  }
  for (const file of SOURCE_FILES) if (existsSync(path.join(root, file))) consider(path.join(root, file));
  return newest;
}

/** `npx next build`, its output in a log file; resolves with its exit code, or -1 when it was stopped for taking too long. */
async function runBuild(): Promise<number> {
  const log = createWriteStream(path.join(root, ".data", "bench", "next-build.log"));
  const build = startService("next-build", "npx", ["next", "build"], { cwd: root, env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1" }, logFile: log });
  children.build = build;
  const exited = new Promise<number>((resolve) => build.child.once("exit", (code, signal) => resolve(code ?? (signal ? 128 : 1))));
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<number>((resolve) => {
    timer = setTimeout(() => resolve(-1), BUILD_TIMEOUT_MS);
  });
  try {
    return await Promise.race([exited, timedOut]);
  } finally {
    clearTimeout(timer);
    // Stopping an exited build is a no-op; one that timed out is killed by its PID (its whole group).
    await build.stop();
    children.build = null;
    log.end();
  }
}
