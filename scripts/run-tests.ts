/**
 * The test orchestrator behind `npm test`: starts every service the suites need (embedded
 * Postgres, the app in both sign-in modes, a real Keycloak), runs unit, integration and browser
 * suites, stops everything it started (by PID) and prints one summary line.
 */
import { createWriteStream, existsSync, mkdirSync, readFileSync, rmSync, cpSync } from "node:fs";
import { get as httpGet } from "node:http";
import { createServer } from "node:net";
import path from "node:path";
import { startEmbeddedPostgres, type RunningPostgres } from "./lib/embedded-pg";
import { runCommand, runOrThrow, startService, waitForHttp, type Started } from "./lib/processes";

const root = path.resolve(import.meta.dirname, "..");
const work = path.join(root, ".data", "test");
const logs = path.join(work, "logs");
const ports = { pg: 54329, localApp: 3100, keycloakApp: 3000, keycloak: 8180, labApp: 3200, fuzzApp: 3150, quickStart: 3400, quickStartPg: 54339 };
// The lab's nodes reach the app on the bridge the lab test creates (e2e/network/lab.ts).
const labAppUrl = `http://10.213.0.1:${ports.labApp}`;
const secret = "test-secret-that-is-long-enough-for-next-auth-0001";
// A fixed test-only master key (32 bytes); real deployments generate their own.
const masterKey = Buffer.alloc(32, 42).toString("base64");
const currentNebula = process.env.NEBULA_CURRENT_DIR ?? path.join(root, ".cache/nebula/v1.10.3");
const nebulaCerts = [
  { label: "nebula-cert 1.6.1", bin: "/usr/bin/nebula-cert" },
  { label: `nebula-cert ${path.basename(currentNebula)}`, bin: path.join(currentNebula, "nebula-cert") },
];
const keycloakDir = process.env.KEYCLOAK_DIR ?? "";

interface SuiteResult {
  name: string;
  passed: number;
  failed: number;
  skipped: number;
  seconds: number;
}
const results: SuiteResult[] = [];
const services: Started[] = [];
let pg: RunningPostgres | null = null;

function log(message: string) {
  console.log(`\n[test] ${message}`);
}

async function assertPortFree(port: number) {
  await new Promise<void>((resolve, reject) => {
    const probe = createServer();
    probe.once("error", () => reject(new Error(`port ${port} is in use; stop whatever listens there (a running demo?) and retry`)));
    probe.listen(port, "0.0.0.0", () => probe.close(() => resolve()));
  });
}

function service(name: string, command: string, args: string[], env: NodeJS.ProcessEnv, cwd = root): Started {
  const s = startService(name, command, args, { cwd, env, logFile: createWriteStream(path.join(logs, `${name}.log`)) });
  services.push(s);
  return s;
}

async function stopService(s: Started) {
  await s.stop();
  services.splice(services.indexOf(s), 1);
}

async function migrate(database: string): Promise<string> {
  await pg!.ensureDatabase(database);
  const url = pg!.url(database);
  await runOrThrow("npx", ["prisma", "migrate", "deploy"], { cwd: root, env: { ...process.env, DATABASE_URL: url }, stdio: "ignore" });
  return url;
}

async function vitest(project: string, env: NodeJS.ProcessEnv, label = project) {
  const out = path.join(work, `vitest-${label.replace(/[^a-z0-9.]+/gi, "-")}.json`);
  const started = Date.now();
  await runCommand("npx", ["vitest", "run", "--project", project, "--reporter=default", "--reporter=json", `--outputFile.json=${out}`], { cwd: root, env });
  const report = existsSync(out) ? JSON.parse(readFileSync(out, "utf8")) : null;
  results.push({
    name: `${label} (vitest)`,
    passed: report?.numPassedTests ?? 0,
    failed: report ? report.numFailedTests + (report.numTotalTestSuites > 0 && !report.success && report.numFailedTests === 0 ? 1 : 0) : 1,
    skipped: (report?.numPendingTests ?? 0) + (report?.numTodoTests ?? 0),
    seconds: (Date.now() - started) / 1000,
  });
}

async function playwright(project: string, env: NodeJS.ProcessEnv) {
  const out = path.join(work, `playwright-${project}.json`);
  const started = Date.now();
  await runCommand("npx", ["playwright", "test", "--project", project], { cwd: root, env: { ...env, PLAYWRIGHT_JSON_OUTPUT: out } });
  const stats = existsSync(out) ? JSON.parse(readFileSync(out, "utf8")).stats : null;
  results.push({
    name: `e2e ${project} (playwright)`,
    passed: stats ? stats.expected + stats.flaky : 0,
    failed: stats ? stats.unexpected : 1,
    skipped: stats?.skipped ?? 0,
    seconds: (Date.now() - started) / 1000,
  });
}

/** Keycloak's bootstrap admin in the test run only (a throwaway dev-mode Keycloak on localhost). */
const keycloakAdmin = { username: "nc-test-admin", password: "nc-test-admin-password" };

function startKeycloak(): Started {
  if (!existsSync(path.join(keycloakDir, "bin", "kc.sh"))) throw new Error(`KEYCLOAK_DIR (${keycloakDir}) has no bin/kc.sh; run scripts/fetch-keycloak.sh`);
  // A fresh dev database each run, so the realm file is imported as committed.
  rmSync(path.join(keycloakDir, "data"), { recursive: true, force: true });
  mkdirSync(path.join(keycloakDir, "data", "import"), { recursive: true });
  // The realm as operators import it, plus the test users (keycloak/dev-users/, never in compose).
  cpSync(path.join(root, "keycloak", "nebula-realm.json"), path.join(keycloakDir, "data", "import", "nebula-realm.json"));
  cpSync(path.join(root, "keycloak", "dev-users", "nebula-users-0.json"), path.join(keycloakDir, "data", "import", "nebula-users-0.json"));
  // The bootstrap admin (test-only credentials) lets the Keycloak suite change group memberships
  // through the admin REST API, as deploy/add-admin.sh does with kcadm in the compose stack.
  const env = { ...process.env, KC_BOOTSTRAP_ADMIN_USERNAME: keycloakAdmin.username, KC_BOOTSTRAP_ADMIN_PASSWORD: keycloakAdmin.password };
  return service("keycloak", "bash", [path.join(keycloakDir, "bin", "kc.sh"), "start-dev", "--http-port", String(ports.keycloak), "--import-realm"], env, keycloakDir);
}

function appEnv(databaseUrl: string, port: number, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NEXT_TELEMETRY_DISABLED: "1",
    DATABASE_URL: databaseUrl,
    NEXTAUTH_SECRET: secret,
    NC_MASTER_KEY: masterKey,
    NEBULA_CERT_BIN: nebulaCerts[1]!.bin,
    NEXTAUTH_URL: `http://localhost:${port}`,
    PORT: String(port),
    ...extra,
    NODE_ENV: "production",
  };
  for (const k of ["AUTH_MODE", "KEYCLOAK_ISSUER", "KEYCLOAK_CLIENT_ID", "KEYCLOAK_CLIENT_SECRET"]) if (!(k in extra)) delete env[k];
  return env;
}

async function main() {
  const started = Date.now();
  // NC_TEST_STAGE=quickstart runs only the README's quick start (for checking it alone).
  if (process.env.NC_TEST_STAGE === "quickstart") {
    rmSync(work, { recursive: true, force: true });
    mkdirSync(logs, { recursive: true });
    await quickStart();
    return summarize(started);
  }
  rmSync(work, { recursive: true, force: true });
  mkdirSync(logs, { recursive: true });
  for (const port of Object.values(ports)) await assertPortFree(port);

  log("starting the embedded Postgres");
  pg = await startEmbeddedPostgres({ dataDir: path.join(work, "pg"), port: ports.pg, password: "test" });
  const [localDb, keycloakDb, labDb, fuzzDb, ...integrationDbs] = (await Promise.all(["nc_e2e_local", "nc_e2e_keycloak", "nc_lab", "nc_fuzz", "nc_integration_0", "nc_integration_1"].map(migrate))) as [string, string, string, string, string, string];

  // Keycloak takes a while to boot; let it do so while the other suites run.
  log(`starting Keycloak from ${path.relative(root, keycloakDir)}`);
  const keycloak = startKeycloak();

  log("unit tests (with real nebula binaries of both versions)");
  await vitest("unit", { ...process.env, NEBULA_CURRENT_DIR: currentNebula });
  // The whole integration suite runs once per nebula-cert version, each on its own database.
  for (const [i, v] of nebulaCerts.entries()) {
    log(`integration tests (real Postgres, ${v.label})`);
    await vitest("integration", { ...process.env, DATABASE_URL: integrationDbs[i], NEXTAUTH_SECRET: secret, NC_MASTER_KEY: masterKey, NEBULA_CERT_BIN: v.bin, NEBULA_CURRENT_DIR: currentNebula }, `integration, ${v.label}`);
  }

  log("building the app");
  await runOrThrow("npx", ["next", "build"], { cwd: root, env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1" } });

  log("end-to-end: local-account mode");
  const localApp = service("app-local", "npx", ["tsx", "server.ts"], appEnv(localDb, ports.localApp));
  await waitForHttp(`http://localhost:${ports.localApp}/signin`, 60_000, localApp);
  // The first-run test reads the setup link from the app's log, as the person who started it would.
  await playwright("local", { ...process.env, LOCAL_APP_URL: `http://localhost:${ports.localApp}`, LOCAL_APP_LOG: path.join(logs, "app-local.log") });
  await stopService(localApp);

  await apiFuzz(fuzzDb);

  log("end-to-end: Keycloak mode");
  const issuer = `http://localhost:${ports.keycloak}/realms/nebula`;
  await waitForHttp(`${issuer}/.well-known/openid-configuration`, 180_000, keycloak);
  const kcApp = service(
    "app-keycloak",
    "npx",
    ["tsx", "server.ts"],
    // A 5-second re-check, so that the group test sees a change made in Keycloak without waiting 5 minutes.
    appEnv(keycloakDb, ports.keycloakApp, { AUTH_MODE: "keycloak", KEYCLOAK_ISSUER: issuer, KEYCLOAK_CLIENT_ID: "nebula-commander", KEYCLOAK_CLIENT_SECRET: "nebula-commander-dev-secret", NC_SESSION_RECHECK_SECONDS: "5" }),
  );
  await waitForHttp(`http://localhost:${ports.keycloakApp}/signin`, 60_000, kcApp);
  await playwright("keycloak", {
    ...process.env,
    KEYCLOAK_APP_URL: `http://localhost:${ports.keycloakApp}`,
    KEYCLOAK_URL: `http://localhost:${ports.keycloak}`,
    KEYCLOAK_ADMIN_USERNAME: keycloakAdmin.username,
    KEYCLOAK_ADMIN_PASSWORD: keycloakAdmin.password,
  });
  await stopService(kcApp);
  await stopService(keycloak);

  log("real-network lab: nebula daemons in network namespaces, both versions");
  const labEnv = appEnv(labDb, ports.labApp, { NEXTAUTH_URL: labAppUrl });
  const labApp = service("app-lab", "npx", ["tsx", "server.ts"], labEnv);
  await waitForHttp(`http://localhost:${ports.labApp}/api/health`, 60_000, labApp);
  await vitest("network", { ...process.env, DATABASE_URL: labDb, NEXTAUTH_SECRET: secret, NC_MASTER_KEY: masterKey, LAB_APP_URL: labAppUrl, NEBULA_CURRENT_DIR: currentNebula }, "network lab");
  await stopService(labApp);

  await quickStart();
  return summarize(started);
}

/**
 * Schemathesis against every operation of the OpenAPI document, on an app and database of its own
 * (it creates and deletes freely). e2e/fuzz/api-fuzz.ts builds the fixture and reads the results.
 */
async function apiFuzz(databaseUrl: string) {
  log("API fuzzing: Schemathesis against /api/v1/openapi.json");
  const started = Date.now();
  const outDir = path.join(work, "fuzz");
  const app = service("app-fuzz", "npx", ["tsx", "server.ts"], appEnv(databaseUrl, ports.fuzzApp));
  await waitForHttp(`http://localhost:${ports.fuzzApp}/api/health`, 60_000, app);
  const env = { ...process.env, DATABASE_URL: databaseUrl, NEXTAUTH_SECRET: secret, NC_MASTER_KEY: masterKey, NEBULA_CURRENT_DIR: currentNebula, FUZZ_APP_URL: `http://localhost:${ports.fuzzApp}`, FUZZ_OUT_DIR: outDir };
  const code = await runCommand("npx", ["tsx", "e2e/fuzz/api-fuzz.ts"], { cwd: root, env });
  await stopService(app);
  const file = path.join(outDir, "summary.json");
  const s = existsSync(file) ? (JSON.parse(readFileSync(file, "utf8")) as { operations: number; operationsFailed: number; examples: number; serverErrors: number; refusedButChanged: number }) : null;
  results.push({
    name: s ? `API fuzz: ${s.operations} operations, ${s.examples} requests, ${s.serverErrors} 5xx, ${s.refusedButChanged} refused-but-changed (schemathesis)` : "API fuzz (schemathesis)",
    passed: s ? s.operations - s.operationsFailed : 0,
    failed: s ? Math.max(s.operationsFailed, code === 0 ? 0 : 1) : 1,
    skipped: 0,
    seconds: (Date.now() - started) / 1000,
  });
}

/** One summary line per suite and one for the run; the exit code says whether anything failed. */
function summarize(started: number): number {
  const total = results.reduce((t, r) => ({ passed: t.passed + r.passed, failed: t.failed + r.failed, skipped: t.skipped + r.skipped }), { passed: 0, failed: 0, skipped: 0 });
  console.log("\n[test] summary");
  for (const r of results) console.log(`  ${r.name.padEnd(44)} ${String(r.passed).padStart(4)} passed ${String(r.failed).padStart(3)} failed ${String(r.skipped).padStart(3)} skipped  ${r.seconds.toFixed(0)} s`);
  console.log(`  whole run: ${((Date.now() - started) / 1000).toFixed(0)} s; service logs in ${path.relative(root, logs)}/`);
  console.log(`\ntests: ${total.passed} passed, ${total.failed} failed, ${total.skipped} skipped`);
  return total.failed === 0 ? 0 : 1;
}

/**
 * The README's quick-start line, read from the README and run as it is in a fresh clone of this
 * checkout (no node_modules, no .data), as root: it must get to a healthy /api/health. Then it is
 * stopped like a person stops it (SIGTERM), and nothing may still answer.
 */
async function quickStart() {
  log("quick start: the README's command in a fresh clone");
  const started = Date.now();
  const section = readFileSync(path.join(root, "README.md"), "utf8").split("## Quick start")[1] ?? "";
  const command = /```\n([^\n]+)\n```/.exec(section)?.[1];
  let failure: string | null = null;
  if (!command) failure = "the README has no quick-start command";
  else {
    const dir = path.join(work, "quickstart");
    await runOrThrow("git", ["clone", "--quiet", root, dir]);
    const env: NodeJS.ProcessEnv = { ...process.env, PORT: String(ports.quickStart), NC_EMBEDDED_PG_PORT: String(ports.quickStartPg) };
    for (const k of Object.keys(env)) if (/^(DATABASE_URL|NEXTAUTH_|NC_MASTER_KEY|KEYCLOAK_|NEBULA_CERT_BIN)/.test(k)) delete env[k];
    console.log(`[test] ${command}   (in ${path.relative(root, dir)}, PORT=${ports.quickStart})`);
    const demo = service("quickstart", "bash", ["-c", command], env, dir);
    try {
      await waitForHttp(`http://127.0.0.1:${ports.quickStart}/api/health`, 900_000, demo);
      const setup = await fetch(`http://127.0.0.1:${ports.quickStart}/signin`, { redirect: "manual" });
      if (!setup.headers.get("location")?.includes("/setup")) failure = `a fresh instance should send /signin to /setup, it answered ${setup.status} ${setup.headers.get("location")}`;
    } catch (error) {
      failure = error instanceof Error ? error.message : String(error);
    }
    await stopService(demo);
    // The demo stops its app and Postgres on SIGTERM, which takes a few seconds (open keep-alive
    // connections, Postgres's shutdown): give it a bounded while, as a person at the terminal would.
    // A fresh connection per probe (no keep-alive), so that probing cannot hold a closing server open.
    const answers = () =>
      new Promise<boolean>((resolve) => {
        const req = httpGet({ host: "127.0.0.1", port: ports.quickStart, path: "/api/health", agent: false, timeout: 2_000 }, (res) => {
          res.resume();
          resolve(true);
        });
        req.on("timeout", () => req.destroy());
        req.on("error", () => resolve(false));
      });
    let still = await answers();
    for (let i = 0; still && i < 30; i++) {
      await new Promise((r) => setTimeout(r, 1_000));
      still = await answers();
    }
    if (still && !failure) failure = "the app still answers 30 s after the quick start was stopped";
  }
  if (failure) console.error(`[test] quick start failed: ${failure} (log: ${path.relative(root, path.join(logs, "quickstart.log"))})`);
  results.push({ name: "quick start (README, fresh clone)", passed: failure ? 0 : 1, failed: failure ? 1 : 0, skipped: 0, seconds: (Date.now() - started) / 1000 });
}

async function cleanup() {
  for (const s of [...services].reverse()) await s.stop();
  await pg?.stop().catch(() => {});
}

let code = 1;
try {
  code = await main();
} catch (error) {
  console.error("\n[test] aborted:", error instanceof Error ? error.message : error);
  console.log(`\ntests: ${results.reduce((n, r) => n + r.passed, 0)} passed, ${Math.max(1, results.reduce((n, r) => n + r.failed, 0))} failed`);
} finally {
  await cleanup();
}
process.exit(code);
