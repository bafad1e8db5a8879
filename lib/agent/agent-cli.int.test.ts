/**
 * `nc-agent enroll` failures, run as a person runs the command (the real CLI, the real nebula-cert,
 * the real enroll handler behind HTTP): the server's words, the exit code, nothing left behind.
 */
import { execFile } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as networks from "@/app/api/v1/networks/route";
import * as links from "@/app/api/v1/networks/[networkId]/links/route";
import * as enrollRoute from "@/app/api/v1/enroll/route";
import { UNUSABLE_LINK_TEXT } from "@/lib/enroll/join-messages";
import { call, createTestUser, enrollmentCounts, freshCidr } from "@/lib/testing/api-harness";
import { binaries, hostKeyPair } from "@/lib/testing/nebula-tools";
import { startRouteServer } from "@/lib/testing/route-server";

const CLI = path.resolve(import.meta.dirname, "../../bin/nc-agent.mjs");
let server: Awaited<ReturnType<typeof startRouteServer>>;
let work: string;
let networkId: string;
let admin: Awaited<ReturnType<typeof createTestUser>>;

beforeAll(async () => {
  server = await startRouteServer([{ method: "POST", pattern: /^\/api\/v1\/enroll$/, handler: enrollRoute.POST }]);
  work = await mkdtemp(path.join(tmpdir(), "nc-agent-cli-"));
  admin = await createTestUser();
  networkId = (await call(networks.POST, "POST", { as: admin, body: { name: "agent-cli", cidr: freshCidr() } })).json.network.id;
});

afterAll(async () => {
  await server?.close();
  await rm(work, { recursive: true, force: true });
});

async function joinUrl(body: Record<string, unknown> = {}) {
  const r = await call(links.POST, "POST", { as: admin, params: { networkId }, body: { maxUses: 1, ...body } });
  return { url: `${server.url}/join/${r.json.token}`, token: r.json.token as string };
}

let n = 0;
function dirs() {
  n++;
  const tmp = path.join(work, `case-${n}`, "tmp");
  mkdirSync(tmp, { recursive: true });
  return { dir: path.join(work, `case-${n}`, "nebula"), tmp };
}

function agent(args: string[], tmp: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args, "--nebula-cert", binaries().nebulaCert], { env: { ...process.env, TMPDIR: tmp }, timeout: 60_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof (error as { code?: unknown }).code === "number" ? (error as { code: number }).code : 1) : 0;
      resolve({ code, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

describe("nc-agent enroll", () => {
  it("a used link: the join page's words, exit 1, no orphan host.key, no folder, no temp files", async () => {
    const { url, token } = await joinUrl();
    expect((await call(enrollRoute.POST, "POST", { body: { token, hostname: "first", publicKeyPem: (await hostKeyPair()).publicKeyPem } })).status).toBe(201);
    const before = await enrollmentCounts(networkId);
    const d = dirs();
    const r = await agent(["enroll", url, "--dir", d.dir, "--hostname", "second", "--insecure-http"], d.tmp);
    expect(r).toMatchObject({ code: 1, stderr: `nc-agent: ${UNUSABLE_LINK_TEXT}\n` });
    expect(existsSync(d.dir)).toBe(false);
    // The agent's own temp dirs (tsx, which runs it from this repository, keeps a cache there too).
    expect(readdirSync(d.tmp).filter((e) => e.startsWith("nc-agent-"))).toEqual([]);
    expect(await enrollmentCounts(networkId)).toEqual(before);
  });

  it("a hostname conflict names it; the link stays unused", async () => {
    const taken = await joinUrl();
    expect((await call(enrollRoute.POST, "POST", { body: { token: taken.token, hostname: "agent-taken", publicKeyPem: (await hostKeyPair()).publicKeyPem } })).status).toBe(201);
    const { url } = await joinUrl();
    const before = await enrollmentCounts(networkId);
    const d = dirs();
    const r = await agent(["enroll", url, "--dir", d.dir, "--hostname", "agent-taken", "--insecure-http"], d.tmp);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('nc-agent: Some fields are not valid (hostname: A node named "agent-taken" already exists in this network; choose another hostname)\n');
    expect(existsSync(d.dir)).toBe(false);
    expect(await enrollmentCounts(networkId)).toEqual(before);
  });

  it("refuses plain http without --insecure-http, before making a key or calling the server", async () => {
    const { url } = await joinUrl();
    const before = await enrollmentCounts(networkId);
    const d = dirs();
    const r = await agent(["enroll", url, "--dir", d.dir, "--hostname", "plain"], d.tmp);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^nc-agent: http:\/\/127\.0\.0\.1:\d+ is plain http: .* pass --insecure-http if you accept that\n$/);
    expect(existsSync(d.dir)).toBe(false);
    expect(await enrollmentCounts(networkId)).toEqual(before);
  });

  it("refuses to take over a host that is already enrolled, naming its node", async () => {
    const { url } = await joinUrl();
    const d = dirs();
    mkdirSync(d.dir, { recursive: true });
    writeFileSync(path.join(d.dir, "agent.json"), JSON.stringify({ server: "https://nc.example", credential: "ncn_x", nodeId: "n", name: "web7", ip: "10.7.0.7" }));
    const before = await enrollmentCounts(networkId);
    const r = await agent(["enroll", url, "--dir", d.dir, "--hostname", "web7b", "--insecure-http"], d.tmp);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      `nc-agent: ${d.dir} already holds an enrolled node ("web7", 10.7.0.7, server https://nc.example). Nothing was changed. To replace it, run again with --replace (the old node is deleted from its network), or use another --dir.\n`,
    );
    expect(readdirSync(d.dir)).toEqual(["agent.json"]);
    expect(await enrollmentCounts(networkId)).toEqual(before);
  });
});
