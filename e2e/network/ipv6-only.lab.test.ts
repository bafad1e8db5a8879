/**
 * An IPv6-only network (no IPv4 range, v2 certificates) on real nebula 1.10 in network
 * namespaces: a lighthouse and two hosts enrolled by nc-agent as the join page gives it, named by
 * their IPv6 overlay addresses alone. Nebula 1.6 cannot read v2 certificates, so this runs on the
 * current version only (lifecycle.lab.test.ts proves that 1.6 networks stay IPv4).
 *
 * Needs what nebula-lab.lab.test.ts needs: root, /dev/net/tun, and the running app (LAB_APP_URL,
 * DATABASE_URL, NEXTAUTH_SECRET, NC_MASTER_KEY).
 */
import type { ChildProcess } from "node:child_process";
import { cpSync, existsSync, rmSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db } from "@/lib/db/client";
import { createTestUser } from "@/lib/testing/api-harness";
import { nebulaVersions } from "@/lib/testing/nebula-binaries";
import { Lab, UNDERLAY_HOST } from "./lab";
import { Api, APP_URL, tail, waitFor, waitForApp, type Json } from "./lab-api";
import { downloadAgentAsPageSays, enrollWithAgent, nebulaVersionOf, startAgent, tcpConnects } from "./lab-hosts";

const ROOT = path.resolve(import.meta.dirname, "../..");
const LOG_ARCHIVE = path.join(ROOT, ".data", "network-lab", "ipv6-only-logs");
const HOSTS = ["lh1", "web1", "db1"] as const;
type HostName = (typeof HOSTS)[number];
const LIGHTHOUSE_PORT = 4242;
const PORT = 8086;
/** A change needs a poll (or the long poll's wake-up), `nebula -test` and a SIGHUP; 30 s covers a loaded machine. */
const CHANGE_BOUND_MS = 30_000;

const current = nebulaVersions.at(-1)!;
let lab: Lab;
let api: Api;
let networkId = "";
let cidr6 = "";
const agents: ChildProcess[] = [];
const hosts = new Map<HostName, { dir: string; id: string; ip: string }>();
const host = (name: HostName) => hosts.get(name)!;
const diag = (...names: HostName[]) => names.map((n) => `--- ${n} agent.log ---\n${tail(path.join(lab.tmpDir, n, "agent.log"))}\n--- ${n} nebula.log ---\n${tail(path.join(lab.tmpDir, n, "nebula.log"))}`).join("\n");
const ping6 = async (from: HostName, to: string) => (await lab.exec(lab.node(from).ns, "ping", ["-6", "-c", "1", "-W", "1", to], { timeout: 5_000 })).code === 0;

beforeAll(async () => {
  if (!APP_URL) throw new Error("set LAB_APP_URL to the running app");
  const version = await nebulaVersionOf(current.nebula);
  if (version.minor < 10) throw new Error(`nebula ${version.text} cannot read v2 certificates`);
  lab = await Lab.create([...HOSTS]);
  try {
    await waitForApp();
    api = new Api(await createTestUser({ name: "ipv6-only-lab-admin" }));
    const { network } = await api.call("POST", "/api/v1/networks", { name: `v6-only ${lab.id}`, cidr6: `fd42:6:${lab.id.slice(0, 4)}::/64`, certVersion: 2, nebulaTarget: "1.10" });
    expect(network.cidr).toBeNull();
    networkId = network.id;
    cidr6 = network.cidr6;
    for (const name of ["web", "db"]) await api.call("POST", `/api/v1/networks/${networkId}/groups`, { name });
    await api.call("PATCH", `/api/v1/networks/${networkId}`, { pollSeconds: 5 });
    const link = async (body: object) => (await api.call("POST", `/api/v1/networks/${networkId}/links`, body)).joinUrl as string;
    const links: Record<HostName, string> = {
      lh1: await link({ isLighthouse: true, endpoints: [`${lab.node("lh1").ip}:${LIGHTHOUSE_PORT}`], listenPort: LIGHTHOUSE_PORT, maxUses: 1, fixedName: "lh1" }),
      web1: await link({ presetGroups: ["web"], maxUses: 1, fixedName: "web1" }),
      db1: await link({ presetGroups: ["db"], maxUses: 1, fixedName: "db1" }),
    };
    if (!links.lh1.startsWith(`http://${UNDERLAY_HOST}:`)) throw new Error(`join links point at ${links.lh1}; start the app with NEXTAUTH_URL=http://${UNDERLAY_HOST}:<port>`);
    const agentBin = await downloadAgentAsPageSays(lab, lab.node("web1"), links.web1);
    for (const name of HOSTS) {
      const dir = path.join(lab.tmpDir, name);
      const r = await enrollWithAgent(lab, lab.node(name), { agentBin, joinUrl: links[name], dir, hostname: name, nebulaCert: current.nebulaCert });
      if (r.code !== 0) throw new Error(`${name}: nc-agent enroll failed (${r.code}):\n${r.stdout}${r.stderr}`);
    }
    const { nodes } = await api.call("GET", `/api/v1/networks/${networkId}/nodes`);
    for (const name of HOSTS) {
      const n = (nodes as Json[]).find((x) => x.name === name);
      hosts.set(name, { dir: path.join(lab.tmpDir, name), id: n.id, ip: n.ip });
    }
    for (const name of HOSTS) {
      const node = lab.node(name);
      await lab.exec(node.ns, "sysctl", ["-w", "net.ipv6.conf.all.disable_ipv6=0", "net.ipv6.conf.default.disable_ipv6=0"], { timeout: 5_000 });
      agents.push(startAgent(lab, node, { agentBin, dir: host(name).dir, nebula: current.nebula, nebulaCert: current.nebulaCert, cwd: ROOT }));
      const listener = `require("net").createServer((s) => s.end()).listen({ port: ${PORT}, host: "::", ipv6Only: true });`;
      lab.spawnIn(node.ns, process.execPath, ["-e", listener], { logFile: path.join(host(name).dir, "listener6.log") });
    }
    await waitFor(
      "every host to apply its first config",
      async () => ((await api.call("GET", `/api/v1/networks/${networkId}/nodes`)).nodes as Json[]).every((n) => n.host.state === "applied" && n.host.nebulaState === "running"),
      { timeoutMs: 60_000, intervalMs: 500, diag: () => diag(...HOSTS) },
    );
  } catch (error) {
    tearDown();
    throw error;
  }
});

function tearDown() {
  if (!lab) return;
  try {
    rmSync(LOG_ARCHIVE, { recursive: true, force: true });
    for (const name of HOSTS) {
      for (const f of ["agent.log", "nebula.log", "config.yml"]) {
        const file = path.join(lab.tmpDir, name, f);
        if (existsSync(file)) cpSync(file, path.join(LOG_ARCHIVE, name, f));
      }
    }
  } catch (error) {
    console.error(`[ipv6-only] could not keep the logs: ${String(error)}`);
  }
  lab.destroy();
}

afterAll(async () => {
  tearDown();
  await db.$disconnect();
});

describe(`an IPv6-only network on nebula ${current.label}`, () => {
  it("gives each host an IPv6 overlay address alone, on its tun, from the start of the range", async () => {
    const prefix = cidr6.replace(/\/64$/, "");
    expect(HOSTS.map((n) => host(n).ip).sort()).toEqual([`${prefix}1`, `${prefix}2`, `${prefix}3`]);
    for (const name of HOSTS) {
      const v4 = await lab.exec(lab.node(name).ns, "ip", ["-4", "-o", "addr", "show", "dev", "nebula1"], { timeout: 5_000 });
      expect(v4.stdout.trim(), `${name} has no IPv4 overlay address`).toBe("");
      const v6 = await lab.exec(lab.node(name).ns, "ip", ["-6", "-o", "addr", "show", "dev", "nebula1"], { timeout: 5_000 });
      expect(v6.stdout).toContain(`${host(name).ip}/64`);
    }
  });

  it("carries ping -6 between hosts, found through the lighthouse by their IPv6 addresses", async () => {
    await waitFor("web1 -> db1 ping -6", () => ping6("web1", host("db1").ip), { timeoutMs: CHANGE_BOUND_MS, intervalMs: 300, diag: () => diag("web1", "db1", "lh1") });
    await waitFor("db1 -> lh1 ping -6", () => ping6("db1", host("lh1").ip), { timeoutMs: CHANGE_BOUND_MS, intervalMs: 300, diag: () => diag("db1", "lh1") });
  });

  it("enforces a group rule over IPv6: web reaches db's port once a rule allows it, lh1 never", async () => {
    const connect = (from: HostName) => tcpConnects(lab, lab.node(from), host("db1").ip, PORT, 3);
    expect(await connect("web1"), "web1 -> [db1]:8086 before a rule allows it").toBe(false);
    await api.call("POST", `/api/v1/networks/${networkId}/rules`, { direction: "inbound", port: String(PORT), proto: "tcp", peer: { kind: "group", group: "web" }, appliesTo: { kind: "group", group: "db" }, description: "lab: web to db, IPv6-only" });
    await waitFor("web1 -> [db1]:8086 once the group rule allows it", () => connect("web1"), { timeoutMs: CHANGE_BOUND_MS, intervalMs: 300, diag: () => diag("db1") });
    await waitFor("lh1 -> db1 ping -6", () => ping6("lh1", host("db1").ip), { timeoutMs: CHANGE_BOUND_MS, intervalMs: 300 });
    expect(await connect("lh1"), "lh1 (not in web) -> [db1]:8086").toBe(false);
    const verdict = await api.call("GET", `/api/v1/networks/${networkId}/reachability?from=${host("web1").id}&to=${host("db1").id}&proto=tcp&port=${PORT}`);
    expect(verdict.allowed).toBe(true);
  });
});
