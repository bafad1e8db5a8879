/**
 * The one-liner's failures, each run the way a person runs it (`curl -fsSL …/install.sh | sh -s -- …`,
 * through sh and the real curl and nebula-cert, against the real route handlers): the exact words,
 * the exit code, and nothing left behind on the host or in the database. The successful path, which
 * starts nebula, runs in the network lab (e2e/network), where it cannot touch this host's network.
 */
import { execFile } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as networks from "@/app/api/v1/networks/route";
import * as links from "@/app/api/v1/networks/[networkId]/links/route";
import * as revokeLink from "@/app/api/v1/networks/[networkId]/links/[linkId]/revoke/route";
import * as enrollRoute from "@/app/api/v1/enroll/route";
import * as installRoute from "@/app/join/[token]/install.sh/route";
import { db } from "@/lib/db/client";
import { call, createTestUser, enrollmentCounts, freshCidr } from "@/lib/testing/api-harness";
import { binaries, hostKeyPair } from "@/lib/testing/nebula-tools";
import { startRouteServer } from "@/lib/testing/route-server";
import { joinCommands } from "./join-commands";
import { UNUSABLE_LINK_TEXT } from "./join-messages";
import { installScript } from "./install-script";
import { shAgentSource } from "./sh-agent";

let server: Awaited<ReturnType<typeof startRouteServer>>;
let work: string;
let networkId: string;
let admin: Awaited<ReturnType<typeof createTestUser>>;
const savedUrl = process.env.NEXTAUTH_URL;

beforeAll(async () => {
  server = await startRouteServer([
    { method: "POST", pattern: /^\/api\/v1\/enroll$/, handler: enrollRoute.POST },
    { method: "GET", pattern: /^\/join\/(?<token>[^/]+)\/install\.sh$/, handler: (req, ctx) => installRoute.GET(req, { params: ctx.params as Promise<{ token: string }> }) },
  ]);
  // Join links and scripts point at the server that serves them.
  process.env.NEXTAUTH_URL = server.url;
  work = await mkdtemp(path.join(tmpdir(), "nc-install-"));
  admin = await createTestUser();
  networkId = (await call(networks.POST, "POST", { as: admin, body: { name: "install-sh", cidr: freshCidr() } })).json.network.id;
});

afterAll(async () => {
  process.env.NEXTAUTH_URL = savedUrl;
  await server?.close();
  await rm(work, { recursive: true, force: true });
});

async function newLink(body: Record<string, unknown> = {}) {
  const r = await call(links.POST, "POST", { as: admin, params: { networkId }, body: { maxUses: 1, ...body } });
  expect(r.status).toBe(201);
  return r.json as { token: string; link: { id: string } };
}

const counts = () => enrollmentCounts(networkId);

interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command line with sh, as a shell would; TMPDIR is private so leftovers can be counted. */
function sh(command: string, tmp: string): Promise<Outcome> {
  mkdirSync(tmp, { recursive: true });
  const env = { PATH: `${path.dirname(binaries().nebulaCert)}:${process.env.PATH ?? "/usr/bin:/bin"}`, TMPDIR: tmp, HOME: tmp } as unknown as NodeJS.ProcessEnv;
  return new Promise((resolve) => {
    execFile("sh", ["-c", command], { env, timeout: 60_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof (error as { code?: unknown }).code === "number" ? (error as { code: number }).code : 1) : 0;
      resolve({ code, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

/** The one-liner as the join page shows it (root variant), with the options a person would add. */
function oneLiner(token: string, extra: string) {
  const cmd = joinCommands(server.url, token, { url: "", fileName: "", sha256: null }).oneLinerRoot;
  expect(cmd).toBe(`curl -fsSL ${server.url}/join/${token}/install.sh | sh -s -- --insecure-http`);
  return `${cmd} ${extra}`;
}

let caseNo = 0;
function caseDirs() {
  caseNo++;
  return { dir: path.join(work, `case-${caseNo}`, "etc-nebula"), tmp: path.join(work, `case-${caseNo}`, "tmp") };
}

function expectNothingLeft(d: { dir: string; tmp: string }) {
  expect(existsSync(d.dir), `${d.dir} was left behind`).toBe(false);
  expect(readdirSync(d.tmp), "temporary files were left behind").toEqual([]);
}

const unusable = `nebula-commander: ${UNUSABLE_LINK_TEXT}\n`;

describe("install.sh, as the join page's one-liner", () => {
  it("is valid POSIX sh, and so is the agent it installs", async () => {
    const { token } = await newLink();
    const file = path.join(work, "install.sh");
    writeFileSync(file, installScript(server.url, token, "install-sh"));
    const agent = path.join(work, "nc-agent.sh");
    writeFileSync(agent, shAgentSource());
    for (const f of [file, agent]) expect(await sh(`sh -n ${f}`, path.join(work, "syntax-tmp"))).toMatchObject({ code: 0, stderr: "" });
    // The agent inside install.sh is exactly the one shown here.
    expect(readFileSync(file, "utf8")).toContain(shAgentSource().trimEnd());
  });

  it("a used link: the page's words, exit 1, nothing left on the host or in the database", async () => {
    const { token } = await newLink();
    expect((await call(enrollRoute.POST, "POST", { body: { token, hostname: "first-user", publicKeyPem: (await hostKeyPair()).publicKeyPem } })).status).toBe(201);
    const before = await counts();
    const d = caseDirs();
    const r = await sh(oneLiner(token, `--hostname second --dir ${d.dir}`), d.tmp);
    expect(r).toEqual({ code: 1, stdout: "", stderr: unusable });
    expectNothingLeft(d);
    expect(await counts()).toEqual(before);
  });

  it("a link used up between downloading the script and enrolling says the same", async () => {
    const { token } = await newLink();
    const d = caseDirs();
    const file = path.join(work, `raced-${caseNo}.sh`);
    writeFileSync(file, await (await fetch(`${server.url}/join/${token}/install.sh`)).text());
    expect((await call(enrollRoute.POST, "POST", { body: { token, hostname: "won-the-race", publicKeyPem: (await hostKeyPair()).publicKeyPem } })).status).toBe(201);
    const before = await counts();
    const r = await sh(`sh ${file} --insecure-http --hostname lost --dir ${d.dir}`, d.tmp);
    expect(r).toEqual({ code: 1, stdout: "", stderr: unusable });
    expectNothingLeft(d);
    expect(await counts()).toEqual(before);
  });

  it("an expired link: the page's words, exit 1, nothing left", async () => {
    const { token, link } = await newLink();
    await db.enrollLink.update({ where: { id: link.id }, data: { expiresAt: new Date(Date.now() - 1000) } });
    const before = await counts();
    const d = caseDirs();
    expect(await sh(oneLiner(token, `--hostname late --dir ${d.dir}`), d.tmp)).toEqual({ code: 1, stdout: "", stderr: unusable });
    expectNothingLeft(d);
    expect(await counts()).toEqual(before);
  });

  it("a revoked link: the page's words, exit 1, nothing left", async () => {
    const { token, link } = await newLink();
    expect((await call(revokeLink.POST, "POST", { as: admin, params: { networkId, linkId: link.id } })).status).toBe(204);
    const before = await counts();
    const d = caseDirs();
    expect(await sh(oneLiner(token, `--hostname revoked --dir ${d.dir}`), d.tmp)).toEqual({ code: 1, stdout: "", stderr: unusable });
    expectNothingLeft(d);
    expect(await counts()).toEqual(before);
  });

  it("a hostname conflict names the conflict and how to choose another name, and does not use the link", async () => {
    const taken = await newLink();
    expect((await call(enrollRoute.POST, "POST", { body: { token: taken.token, hostname: "taken", publicKeyPem: (await hostKeyPair()).publicKeyPem } })).status).toBe(201);
    const { token, link } = await newLink();
    const before = await counts();
    const d = caseDirs();
    const r = await sh(oneLiner(token, `--hostname taken --dir ${d.dir}`), d.tmp);
    expect(r).toEqual({
      code: 1,
      stdout: "",
      stderr:
        'nebula-commander: A node named "taken" already exists in this network; choose another hostname. Pick another name: run the same command again ending in --hostname <name> (after sh -s --), for example: ... | sh -s -- --hostname taken-2\n',
    });
    expectNothingLeft(d);
    expect(await counts()).toEqual(before);
    expect((await db.enrollLink.findUniqueOrThrow({ where: { id: link.id } })).usedCount).toBe(0);
  });

  it("a host that is already enrolled is refused, naming its node, and nothing is touched", async () => {
    const { token } = await newLink();
    const d = caseDirs();
    mkdirSync(d.dir, { recursive: true });
    const conf = "SERVER='https://nc.example'\nNODE_NAME='web9'\nNODE_IP='10.9.0.9/24'\n";
    writeFileSync(path.join(d.dir, "nc-agent.conf"), conf);
    const before = await counts();
    const r = await sh(oneLiner(token, `--hostname web9b --dir ${d.dir}`), d.tmp);
    expect(r).toEqual({
      code: 1,
      stdout: "",
      stderr: `nebula-commander: this host is already enrolled in ${d.dir} as node 'web9' (10.9.0.9/24) of https://nc.example. Nothing was changed. To replace that node, run the same command with --replace (the old node is deleted from its network), or use another --dir.\n`,
    });
    expect(readdirSync(d.dir)).toEqual(["nc-agent.conf"]);
    expect(readFileSync(path.join(d.dir, "nc-agent.conf"), "utf8")).toBe(conf);
    expect(await counts()).toEqual(before);
  });

  it("refuses plain http without --insecure-http, with the reason and the way out", async () => {
    const { token } = await newLink();
    const d = caseDirs();
    const r = await sh(`curl -fsSL ${server.url}/join/${token}/install.sh | sh -s -- --hostname plain --dir ${d.dir}`, d.tmp);
    expect(r).toEqual({
      code: 1,
      stdout: "",
      stderr: `nebula-commander: ${server.url} is plain http, so the node's credential would cross the network unencrypted. Ask for an https link, or run again with --insecure-http (... | sh -s -- --insecure-http) if you accept that.\n`,
    });
    expectNothingLeft(d);
  });

  it("refuses a bad host name and an unknown option before doing anything", async () => {
    const { token } = await newLink();
    const before = await counts();
    const d = caseDirs();
    expect(await sh(oneLiner(token, `--hostname 'a;b' --dir ${d.dir}`), d.tmp)).toEqual({
      code: 1,
      stdout: "",
      stderr: "nebula-commander: 'a;b' is not a valid host name (letters, digits, dots and dashes); pass another with --hostname NAME\n",
    });
    const unknown = await sh(oneLiner(token, `--frobnicate --dir ${d.dir}`), d.tmp);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/^nebula-commander: unknown option: --frobnicate\n/);
    expectNothingLeft(d);
    expect(await counts()).toEqual(before);
  });
});
