/**
 * Runs the network lab by hand, without the test orchestrator:
 *   sudo npx tsx e2e/network/run-lab.ts [extra vitest args, e.g. -t 1.6.1]
 * Starts a throwaway Postgres (port 54349) and the app (port 3200, NEXTAUTH_URL
 * http://10.213.0.1:3200, the address of the lab's bridge) under .data/lab-dev, runs
 * `vitest run --project network` against them, then stops both by PID and deletes .data/lab-dev.
 * Builds the app first only when .next/BUILD_ID is missing.
 */
import { createWriteStream, existsSync, mkdirSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import path from "node:path";
import { startEmbeddedPostgres, type RunningPostgres } from "../../scripts/lib/embedded-pg";
import { runCommand, runOrThrow, startService, waitForHttp, type Started } from "../../scripts/lib/processes";
import { UNDERLAY_HOST } from "./lab";

const root = path.resolve(import.meta.dirname, "../..");
const work = path.join(root, ".data", "lab-dev");
const ports = { pg: 54349, app: 3200 };
const secret = "lab-dev-secret-that-is-long-enough-for-next-auth-01";
const masterKey = Buffer.alloc(32, 7).toString("base64");
const currentNebula = process.env.NEBULA_CURRENT_DIR ?? path.join(root, ".cache/nebula/v1.10.3");

async function assertPortFree(port: number) {
  await new Promise<void>((resolve, reject) => {
    const probe = createServer();
    probe.once("error", () => reject(new Error(`port ${port} is in use`)));
    probe.listen(port, "0.0.0.0", () => probe.close(() => resolve()));
  });
}

let pg: RunningPostgres | null = null;
let app: Started | null = null;

async function cleanup() {
  await app?.stop();
  app = null;
  await pg?.stop().catch(() => {});
  pg = null;
  rmSync(work, { recursive: true, force: true });
}

async function main(): Promise<number> {
  for (const port of Object.values(ports)) await assertPortFree(port);
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  if (!existsSync(path.join(root, ".next", "BUILD_ID"))) await runOrThrow("npx", ["next", "build"], { cwd: root, env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1" } });

  pg = await startEmbeddedPostgres({ dataDir: path.join(work, "pg"), port: ports.pg, password: "labdev" });
  await pg.ensureDatabase("nc_lab");
  const databaseUrl = pg.url("nc_lab");
  await runOrThrow("npx", ["prisma", "migrate", "deploy"], { cwd: root, env: { ...process.env, DATABASE_URL: databaseUrl }, stdio: "ignore" });

  const appUrl = `http://${UNDERLAY_HOST}:${ports.app}`;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NEXT_TELEMETRY_DISABLED: "1",
    DATABASE_URL: databaseUrl,
    NEXTAUTH_SECRET: secret,
    NC_MASTER_KEY: masterKey,
    NEBULA_CERT_BIN: path.join(currentNebula, "nebula-cert"),
    NEXTAUTH_URL: appUrl,
    PORT: String(ports.app),
    HOST: "0.0.0.0",
    NODE_ENV: "production",
  };
  for (const k of ["KEYCLOAK_ISSUER", "KEYCLOAK_CLIENT_ID", "KEYCLOAK_CLIENT_SECRET"]) delete env[k];
  const logFile = path.join(root, ".data", "network-lab", "app.log");
  mkdirSync(path.dirname(logFile), { recursive: true });
  app = startService("app", "npx", ["tsx", "server.ts"], { cwd: root, env, logFile: createWriteStream(logFile) });
  // The bridge does not exist yet: the app is checked on loopback (it listens on every address).
  await waitForHttp(`http://127.0.0.1:${ports.app}/api/health`, 90_000, app);

  return runCommand("npx", ["vitest", "run", "--project", "network", ...process.argv.slice(2)], {
    cwd: root,
    env: { ...process.env, DATABASE_URL: databaseUrl, NEXTAUTH_SECRET: secret, NC_MASTER_KEY: masterKey, NEBULA_CURRENT_DIR: currentNebula, LAB_APP_URL: appUrl },
  });
}

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    void cleanup().finally(() => process.exit(130));
  });
}

let code = 1;
try {
  code = await main();
} catch (error) {
  console.error(`[run-lab] ${error instanceof Error ? error.message : String(error)}`);
} finally {
  await cleanup();
}
process.exit(code);
