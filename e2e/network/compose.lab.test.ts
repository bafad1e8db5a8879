/**
 * The operators' path, for real: docker-compose.yml on a real Docker engine (local stand-ins carry
 * the upstream image names; scripts/containers/standins.sh), driven by the commands in the
 * README's "Operators" section, read from the README and run as written. Up with Postgres and
 * Keycloak; the first administrator made by deploy/add-admin.sh signs in through Keycloak in
 * Chromium, behind Caddy's TLS, and creates a network and a join link; nodes enroll through the
 * proxy onto two app replicas (no duplicate address, a replica killed mid-load loses no accepted
 * enrollment, one rate limit across both); the app restarts without losing anything; a backup
 * survives `down -v` and is restored; the master key is rotated; `down -v` at the end.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { chromium, type Browser, type BrowserContext, type Page } from "@playwright/test";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ComposeStack, prepareDockerEngine, removeStagedNpmCache, stageNpmCacheForBuild } from "../../scripts/lib/compose-stack";
import { run, runOrThrow } from "./lab";
import { sleep, waitFor } from "./lab-api";

const ROOT = path.resolve(import.meta.dirname, "../..");
const PROJECT = "nc-compose-test";
const PORTS = { app: "13000-13009", keycloak: 18180, http: 18080, https: 18443 };
const APP_URL = `https://nc.localhost:${PORTS.https}`;
const SSO_URL = `https://sso.localhost:${PORTS.https}`;
const NEBULA_CERT = process.env.NEBULA_CERT_BIN ?? "nebula-cert";
// Phases: 200 + 100 enrollments and a 450-request burst share one client address (the test's).
const PER_ADDRESS_LIMIT = 400;

const work = mkdtempSync(path.join(tmpdir(), "nc-compose-"));
// The README's commands run as written, in the repo, against this test's own project and .env;
// ~ in them is the scratch folder.
const stack = new ComposeStack(PROJECT, path.join(work, "compose.env"), work);
const readmeRun = (prefix: string, replace: Record<string, string> = {}) => stack.readme(prefix, replace);
const compose = (args: string[], timeoutMs?: number) => stack.compose(args, timeoutMs);
const call = stack.call.bind(stack);
const psql = (sql: string) => stack.psql(sql);
const replicas = () => stack.replicas();

/** A host key pair made as a host makes it: by the real nebula-cert, on this side. */
function hostPublicKey(dir: string, name: string): string {
  execFileSync(NEBULA_CERT, ["keygen", "-out-key", path.join(dir, `${name}.key`), "-out-pub", path.join(dir, `${name}.pub`)], { timeout: 15_000 });
  return readFileSync(path.join(dir, `${name}.pub`), "utf8");
}
const enroll = (token: string, hostname: string, publicKeyPem: string) => call("POST", `${APP_URL}/api/v1/enroll`, { body: { token, hostname, publicKeyPem } });
const poll = (credential: string) => call("GET", `${APP_URL}/api/v1/node/config`, { headers: { authorization: `Bearer ${credential}` } });

/** Caddy has no health check of its own: the stack serves once /readyz answers through it. */
const readyThroughProxy = () =>
  waitFor("the app's /readyz through the proxy", async () => (await call("GET", `${APP_URL}/readyz`, { timeoutMs: 5_000 })).status === 200, { timeoutMs: 120_000, intervalMs: 500 });

let browser: Browser;
let context: BrowserContext;
let page: Page;
let joinToken = "";
let adminPassword = "";
const firstNode = { credential: "", ip: "" };
const keys = path.join(work, "keys");

async function keycloakSignIn(password: string) {
  await page.goto(`${APP_URL}/signin`);
  await page.getByRole("button", { name: "Sign in with Keycloak" }).click();
  await page.waitForURL((u) => u.origin === SSO_URL, { timeout: 60_000 });
  await page.locator("#username").fill("admin");
  await page.locator("#password").fill(password);
  await page.locator("#kc-login").click();
}

beforeAll(async () => {
  mkdirSync(keys, { recursive: true });
  await prepareDockerEngine();
  await stack.removeLeftovers();
  // The same npm cache the image suite hands the build, so the layers it built are reused.
  stageNpmCacheForBuild();

  await readmeRun("deploy/init-env.sh");
  expect(readFileSync(stack.envFile, "utf8")).toMatch(/^NC_MASTER_KEY=[A-Za-z0-9+/]{43}=$/m);
  // Ports of this test's own, the names it reaches through the proxy, and room for its loads.
  stack.editEnv({
    NC_PUBLIC_URL: APP_URL,
    KEYCLOAK_PUBLIC_URL: SSO_URL,
    APP_PORT: PORTS.app,
    KEYCLOAK_PORT: String(PORTS.keycloak),
    HTTP_PORT: String(PORTS.http),
    HTTPS_PORT: String(PORTS.https),
    PROXY_BIND_ADDRESS: "127.0.0.1",
    NC_IMAGE: "nebula-commander:compose-test",
    NC_ENROLL_LIMIT_PER_TOKEN: "1000",
    NC_ENROLL_LIMIT_PER_ADDRESS: String(PER_ADDRESS_LIMIT),
  });
  await readmeRun("docker compose up -d --build --wait");
}, 1_800_000);

afterAll(async () => {
  removeStagedNpmCache();
  await browser?.close().catch(() => undefined);
  stack.close();
  if (process.env.NC_KEEP_DOCKER !== "1") {
    await run("docker", ["compose", "down", "-v", "--remove-orphans"], { cwd: ROOT, env: stack.env, timeout: 300_000 });
    await run("bash", [path.join(ROOT, "scripts", "systemd-host", "docker-engine.sh"), "stop"], { cwd: ROOT, timeout: 120_000 });
  }
  rmSync(work, { recursive: true, force: true });
}, 600_000);

describe("docker compose: the stack operators run", () => {
  it("comes up healthy: Postgres, Keycloak with its data in Postgres, the app migrated and ready", async () => {
    const ps = await compose(["ps", "--format", "{{.Service}} {{.Health}}"]);
    expect(ps.split("\n").filter(Boolean).sort()).toEqual(["app healthy", "keycloak healthy", "postgres healthy"]);
    const [app] = await replicas();
    const port = (await compose(["port", "app", "3000"])).trim().split(":").pop();
    const ready = await fetch(`http://127.0.0.1:${port}/readyz`, { signal: AbortSignal.timeout(10_000) });
    expect(ready.status).toBe(200);
    expect((await runOrThrow("docker", ["exec", app!, "id", "-u"])).trim()).toBe("10001");
    // Keycloak keeps its realm in the stack's Postgres, in a database of its own.
    expect(await compose(["exec", "-T", "postgres", "psql", "-U", "nebula", "-d", "keycloak", "-At", "-c", "SELECT count(*) FROM realm WHERE name = 'nebula'"])).toMatch(/^1\s*$/);
  });

  it("scales out to two replicas behind Caddy's TLS when .env asks for it", async () => {
    stack.editEnv({ COMPOSE_PROFILES: "proxy", NC_APP_REPLICAS: "2" });
    await readmeRun("docker compose up -d --build --wait");
    expect(await replicas()).toHaveLength(2);
    await stack.trustProxyRoot();
    await readyThroughProxy();
    // Migrations ran once, whichever replica got there first.
    expect(await psql(`SELECT count(*) FROM _prisma_migrations WHERE finished_at IS NOT NULL`)).toBe(String(readdirSync(path.join(ROOT, "prisma", "migrations"), { withFileTypes: true }).filter((d) => d.isDirectory()).length));
  });

  it("the first administrator, made by deploy/add-admin.sh, signs in through Keycloak in Chromium and creates a network", async () => {
    const out = await readmeRun("deploy/add-admin.sh");
    adminPassword = out.trim().split("\n").pop()!.trim();
    expect(adminPassword).toMatch(/^[A-Za-z0-9]{16,}$/);
    browser = await chromium.launch({
      executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
      args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--host-resolver-rules=MAP *.localhost 127.0.0.1"],
    });
    // Caddy's local CA is not in Chromium's store; the point here is the flow, TLS is checked above.
    context = await browser.newContext({ ignoreHTTPSErrors: true });
    page = await context.newPage();
    await keycloakSignIn(adminPassword);
    // A one-time password: Keycloak asks for a new one first.
    adminPassword = "a-new-long-admin-password-1";
    await page.locator("#password-new").fill(adminPassword);
    await page.locator("#password-confirm").fill(adminPassword);
    await page.locator("#kc-submit").click();
    await page.getByRole("heading", { name: "Networks" }).waitFor({ timeout: 60_000 });
    expect(page.url().startsWith(APP_URL)).toBe(true);
    await page.getByText("System admin").waitFor();

    await page.getByRole("link", { name: "New network" }).click();
    // The form submits through React: clicked before the page has hydrated, the browser submits it
    // as a plain GET to the same URL (seen once in CI, on a loaded machine), so wait for the page's
    // scripts to have loaded first.
    await page.waitForURL(/\/networks\/new/);
    await page.waitForLoadState("networkidle");
    await page.getByLabel("Name", { exact: true }).fill("Compose net");
    await page.getByLabel("Address range (CIDR)").fill("10.90.0.0/16");
    await page.getByRole("button", { name: "Create network" }).click();
    await page.getByRole("heading", { name: "Compose net" }).waitFor();
    await page.getByRole("link", { name: "Join links" }).click();
    await page.getByRole("button", { name: "New join link" }).click();
    const form = page.getByRole("form", { name: "New join link" });
    await form.getByLabel("Description").fill("fleet");
    await form.getByLabel("Uses").selectOption("unlimited");
    await form.getByRole("button", { name: "Create link" }).click();
    const joinUrl = (await page.getByTestId("join-url").textContent())!;
    expect(joinUrl.startsWith(`${APP_URL}/join/`)).toBe(true);
    joinToken = joinUrl.split("/").pop()!;
  });

  it("enrolls a node through the proxy, and the node polls its config", async () => {
    const res = await enroll(joinToken, "compose-node-1", hostPublicKey(keys, "first"));
    expect(res.status, res.text).toBe(201);
    Object.assign(firstNode, { credential: res.json().credential as string, ip: res.json().ip as string });
    expect(firstNode.ip).toMatch(/^10\.90\./);
    const config = await poll(firstNode.credential);
    expect(config.status).toBe(200);
    expect(config.text).toContain("BEGIN NEBULA CERTIFICATE");
    // The app saw the real client through the proxy's X-Forwarded-For, not the proxy itself.
    const seen = await psql(`SELECT "clientIp" FROM "AuditEvent" WHERE "action" = 'node.enroll' AND "targetName" = 'compose-node-1'`);
    expect(seen).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    expect(seen).not.toBe(stack.envValue("NC_PROXY_IP"));
  });

  it("200 concurrent enrollments land on both replicas, with no duplicate address", async () => {
    const ids = await replicas();
    const before = await Promise.all(ids.map((c) => stack.metric(c, "nc_enrollments_total", 'result="ok"')));
    const pubs = Array.from({ length: 200 }, (_, i) => hostPublicKey(keys, `a${i}`));
    const answers = await Promise.all(pubs.map((pub, i) => enroll(joinToken, `fleet-a-${i}`, pub)));
    expect(answers.map((a) => a.status).filter((s) => s !== 201), answers.find((a) => a.status !== 201)?.text).toEqual([]);
    const ips = answers.map((a) => a.json().ip as string);
    expect(new Set([...ips, firstNode.ip]).size).toBe(201);
    const after = await Promise.all(ids.map((c) => stack.metric(c, "nc_enrollments_total", 'result="ok"')));
    const served = after.map((n, i) => n - before[i]!);
    expect(served.reduce((a, b) => a + b, 0)).toBe(200);
    for (const n of served) expect(n).toBeGreaterThan(20);
    expect(await psql(`SELECT count(*) FROM "Node" n JOIN "Network" w ON w.id = n."networkId" WHERE w.name = 'Compose net'`)).toBe("201");
  });

  it("a replica killed mid-load loses no accepted enrollment, and the proxy keeps serving", async () => {
    const [victim] = await replicas();
    const pubs = Array.from({ length: 100 }, (_, i) => hostPublicKey(keys, `b${i}`));
    let done = 0;
    const load = Promise.all(pubs.map((pub, i) => enroll(joinToken, `fleet-b-${i}`, pub).finally(() => done++)));
    await waitFor("a fifth of the load to be answered", async () => done >= 20, { timeoutMs: 120_000, intervalMs: 50 });
    await runOrThrow("docker", ["kill", victim!]);
    const answers = await load;
    // Accepted as the client heard it: a 201 whose body the kill cut off never gave the host its
    // credential, so it is not counted (its node may exist; the host enrolls again).
    const accepted = answers.filter((a) => a.status === 201 && completeJson(a.text));
    expect(accepted.length).toBeGreaterThan(20);
    // Every enrollment the client heard accepted is there: its credential polls, through the proxy.
    const polls = await Promise.all(accepted.map((a) => poll(a.json().credential as string)));
    expect(polls.filter((p) => p.status !== 200)).toEqual([]);
    const ips = accepted.map((a) => a.json().ip as string);
    expect(new Set(ips).size).toBe(ips.length);
    // Nothing half-made either: every node has its lease and its certificate.
    expect(await psql(`SELECT count(*) FROM "Node" n LEFT JOIN "Lease" l ON l."nodeId" = n.id WHERE l.id IS NULL`)).toBe("0");
    // Back to two replicas (the killed one stays stopped: docker kill counts as stopping it).
    await readmeRun("docker compose up -d --build --wait");
    expect(await replicas()).toHaveLength(2);
  });

  it("holds one enrollment rate limit per client address across both replicas", async () => {
    const ids = await replicas();
    const before = await Promise.all(ids.map((c) => stack.metric(c, "nc_http_requests_total", 'route="/api/v1/enroll"')));
    // A fixed one-minute window: start the burst early in a fresh one so it fits in it.
    const intoWindow = Date.now() % 60_000;
    await sleep(intoWindow < 3_000 ? 0 : 61_000 - intoWindow);
    const tries = PER_ADDRESS_LIMIT + 50;
    // Well-formed tokens that name no link: each counts against the address, then is refused.
    const pub = readFileSync(path.join(keys, "first.pub"), "utf8");
    const answers = await Promise.all(Array.from({ length: tries }, (_, i) => enroll(`ncj_${"x".repeat(39)}${String(i).padStart(4, "0")}`, `probe-${i}`, pub)));
    const unexpected = answers.find((a) => a.status !== 429 && a.status !== 404);
    expect(unexpected?.text).toBeUndefined();
    expect(answers.filter((a) => a.status === 429)).toHaveLength(tries - PER_ADDRESS_LIMIT);
    const after = await Promise.all(ids.map((c) => stack.metric(c, "nc_http_requests_total", 'route="/api/v1/enroll"')));
    for (let i = 0; i < ids.length; i++) expect(after[i]! - before[i]!).toBeGreaterThan(50);
  });

  it("keeps sessions across replicas, and keeps everything across an app restart", async () => {
    const cookie = (await context.cookies(APP_URL)).map((c) => `${c.name}=${c.value}`).join("; ");
    const lists = await Promise.all(Array.from({ length: 8 }, () => call("GET", `${APP_URL}/api/v1/networks`, { headers: { cookie } })));
    expect(lists.map((l) => l.status)).toEqual(Array(8).fill(200));
    await compose(["restart", "app"], 300_000);
    await readyThroughProxy();
    expect((await poll(firstNode.credential)).status).toBe(200);
    await page.goto(`${APP_URL}/`);
    await page.getByRole("link", { name: "Compose net" }).waitFor();
  });

  it("restores a backup after the stack was wiped: the old node still polls and the CA still signs", async () => {
    writeFileSync(path.join(work, ".nc-backup.pass"), "a passphrase for the drill\n", { mode: 0o600 });
    const file = path.join(ROOT, (await readmeRun("deploy/backup.sh")).trim().split("\n").pop()!);
    expect(file).toMatch(/nc-backup-\d{8}T\d{6}Z\.tar\.gpg$/);
    // Encrypted: no dump's magic in it.
    expect(readFileSync(file).includes(Buffer.from("PGDMP"))).toBe(false);
    await compose(["down", "-v"]);
    await readmeRun("docker compose up -d --build --wait");
    await stack.trustProxyRoot();
    await readyThroughProxy();
    expect((await poll(firstNode.credential)).status).toBe(401);
    await readmeRun("deploy/restore.sh", { "<backup file>": file });
    rmSync(file, { force: true });
    await readyThroughProxy();
    expect((await poll(firstNode.credential)).status).toBe(200);
    const again = await enroll(joinToken, "after-restore", hostPublicKey(keys, "restored"));
    expect(again.status, again.text).toBe(201);
    // Keycloak came back too: the administrator's changed password still works.
    await context.clearCookies();
    await keycloakSignIn(adminPassword);
    await page.getByRole("link", { name: "Compose net" }).waitFor({ timeout: 60_000 });
  });

  it("rotates the master key with the README's commands, and the CA still signs under the new key", async () => {
    const old = stack.envValue("NC_MASTER_KEY");
    stack.editEnv({ NC_MASTER_KEY_PREVIOUS: old, NC_MASTER_KEY: Buffer.from(Array.from({ length: 32 }, (_, i) => (i * 37 + 11) % 256)).toString("base64") });
    await readmeRun("docker compose up -d --wait");
    const out = await readmeRun("docker compose run --rm --no-deps app npm run -s rotate-master-key");
    expect(out).toMatch(/Re-sealed 1 CA key\(s\)/);
    stack.editEnv({ NC_MASTER_KEY_PREVIOUS: "" });
    await readmeRun("docker compose up -d --wait");
    await readyThroughProxy();
    const signed = await enroll(joinToken, "after-rotation", hostPublicKey(keys, "rotated"));
    expect(signed.status, signed.text).toBe(201);
  });
});

/** Whether an answer's body arrived whole (a replica killed mid-answer cuts it short). */
function completeJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}
