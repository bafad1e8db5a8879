/** The real install.sh, run by sh with curl and the real nebula-cert against the real handlers. */
import { execFile, spawn } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as networks from "@/app/api/v1/networks/route";
import * as links from "@/app/api/v1/networks/[networkId]/links/route";
import * as rules from "@/app/api/v1/networks/[networkId]/rules/route";
import * as enrollRoute from "@/app/api/v1/enroll/route";
import * as files from "@/app/api/v1/node/files/[file]/route";
import { call, createTestUser, freshCidr } from "@/lib/testing/api-harness";
import { binaries } from "@/lib/testing/nebula-tools";
import { startRouteServer } from "@/lib/testing/route-server";
import { installScript } from "./install-script";

const run = promisify(execFile);
let server: Awaited<ReturnType<typeof startRouteServer>>;
let dir: string;
let networkId: string;
let admin: Awaited<ReturnType<typeof createTestUser>>;

beforeAll(async () => {
  server = await startRouteServer([
    { method: "POST", pattern: /^\/api\/v1\/enroll$/, handler: enrollRoute.POST },
    { method: "GET", pattern: /^\/api\/v1\/node\/files\/(?<file>[a-z.]+)$/, handler: files.GET },
  ]);
  dir = await mkdtemp(path.join(tmpdir(), "nc-install-"));
  admin = await createTestUser();
  networkId = (await call(networks.POST, "POST", { as: admin, body: { name: "install-sh", cidr: freshCidr() } })).json.network.id;
});

afterAll(async () => {
  await server?.close();
  await rm(dir, { recursive: true, force: true });
});

async function script(maxUses = 1) {
  const link = await call(links.POST, "POST", { as: admin, params: { networkId }, body: { maxUses } });
  const file = path.join(dir, `install-${Date.now()}.sh`);
  await writeFile(file, installScript(server.url, link.json.token, "install-sh"));
  return file;
}

function env(nodeDir: string, name: string) {
  return { PATH: process.env.PATH ?? "/usr/bin:/bin", NC_DIR: nodeDir, NC_HOSTNAME: name, NC_NO_SERVICE: "1", NEBULA_CERT: binaries().nebulaCert } as unknown as NodeJS.ProcessEnv;
}

describe("install.sh", () => {
  it("enrolls with a key made on the host, writes the files, and the config passes nebula -test", async () => {
    const nodeDir = path.join(dir, "node-a");
    const { stdout } = await run("sh", [await script()], { env: env(nodeDir, "Sh-Host"), timeout: 60_000 });
    expect(stdout).toContain("enrolled as sh-host");
    for (const f of ["host.key", "host.crt", "ca.crt", "config.yml", "nc-credential", "nc-poll.sh"]) expect(existsSync(path.join(nodeDir, f)), f).toBe(true);
    expect(statSync(path.join(nodeDir, "host.key")).mode & 0o777).toBe(0o600);
    expect(await readFile(path.join(nodeDir, "config.yml"), "utf8")).toContain(`cert: ${nodeDir}/host.crt`);
    await run(binaries().nebula, ["-test", "-config", path.join(nodeDir, "config.yml")], { timeout: 20_000 });
  });

  it("fails clearly on a used link and writes nothing", async () => {
    const file = await script(1);
    await run("sh", [file], { env: env(path.join(dir, "node-b"), "first"), timeout: 60_000 });
    const err = await run("sh", [file], { env: env(path.join(dir, "node-c"), "second"), timeout: 60_000 }).catch((e: { stderr: string; code: number }) => e);
    expect((err as { code: number }).code).toBe(1);
    expect((err as { stderr: string }).stderr).toMatch(/enrollment refused \(404\): This join link is not valid/);
    expect(existsSync(path.join(dir, "node-c", "host.key"))).toBe(false);
  });

  it("its poller picks up a rule change", async () => {
    const nodeDir = path.join(dir, "node-a");
    const poller = spawn("sh", [path.join(nodeDir, "nc-poll.sh"), nodeDir, "1"], { env: env(nodeDir, "sh-host"), stdio: "ignore" });
    try {
      const deadline = Date.now() + 20_000;
      while (!existsSync(path.join(nodeDir, ".etag")) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
      await call(rules.POST, "POST", { as: admin, params: { networkId }, body: { direction: "inbound", port: "7777", proto: "tcp", peer: { kind: "any" } } });
      let config = "";
      while (Date.now() < deadline && !config.includes('"7777"')) {
        await new Promise((r) => setTimeout(r, 250));
        config = await readFile(path.join(nodeDir, "config.yml"), "utf8");
      }
      expect(config).toContain('port: "7777"');
    } finally {
      poller.kill("SIGTERM");
    }
  });
});
