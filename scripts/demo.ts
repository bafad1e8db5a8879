/**
 * `npm run demo`: the whole app on one machine with nothing else installed. Starts the embedded
 * Postgres under .data/ (unless DATABASE_URL is set), applies migrations, builds, and serves on
 * http://localhost:3000 in local-account mode (Keycloak mode if its variables are set).
 */
import path from "node:path";
import { startEmbeddedPostgres, type RunningPostgres } from "./lib/embedded-pg";
import { loadOrCreateSecrets } from "./lib/local-secrets";
import { runOrThrow, startService } from "./lib/processes";
import { locateNebulaCert } from "./lib/locate-nebula-cert";
import { portSetting } from "../lib/core/whole-number-setting";

const dev = process.argv.includes("--dev");
const root = path.resolve(import.meta.dirname, "..");
const dataDir = path.join(root, ".data");
const port = portSetting(process.env, "PORT", 3000);

const secrets = loadOrCreateSecrets(dataDir);
const nebulaCertBin = await locateNebulaCert(root);
let pg: RunningPostgres | null = null;
if (!process.env.DATABASE_URL) {
  const pgPort = portSetting(process.env, "NC_EMBEDDED_PG_PORT", 5439);
  console.log(`[demo] starting the embedded Postgres on port ${pgPort} (data in .data/pg)`);
  pg = await startEmbeddedPostgres({ dataDir: path.join(dataDir, "pg"), port: pgPort, password: secrets.postgresPassword });
  await pg.ensureDatabase("nebula_commander");
}

const env: NodeJS.ProcessEnv = {
  ...process.env,
  DATABASE_URL: process.env.DATABASE_URL ?? pg!.url("nebula_commander"),
  NEXTAUTH_SECRET: process.env.NEXTAUTH_SECRET ?? secrets.nextAuthSecret,
  NC_MASTER_KEY: process.env.NC_MASTER_KEY ?? secrets.masterKey,
  NEBULA_CERT_BIN: nebulaCertBin,
  NEXTAUTH_URL: process.env.NEXTAUTH_URL ?? `http://localhost:${port}`,
  NEXT_TELEMETRY_DISABLED: "1",
  PORT: String(port),
};

const npx = (args: string[]) => runOrThrow("npx", args, { cwd: root, env });
try {
  await npx(["prisma", "generate"]);
  await npx(["prisma", "migrate", "deploy"]);
  if (!dev) await npx(["next", "build"]);
} catch (error) {
  await pg?.stop();
  throw error;
}

const server = startService("app", "npx", ["tsx", "server.ts", ...(dev ? ["--dev"] : [])], {
  cwd: root,
  env: { ...env, NODE_ENV: dev ? "development" : "production" },
});
console.log(`[demo] open ${env.NEXTAUTH_URL}; on a fresh instance the server prints a one-time setup link for the first admin below`);

let stopping = false;
async function shutdown() {
  if (stopping) return;
  stopping = true;
  await server.stop();
  await pg?.stop();
  process.exit(0);
}
process.on("SIGINT", shutdown);
process.on("SIGTERM", shutdown);
server.child.once("exit", shutdown);
