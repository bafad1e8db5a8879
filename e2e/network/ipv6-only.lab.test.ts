/**
 * IPv6 on real nebula 1.10 in network namespaces, beyond the dual-stack network the lifecycle lab
 * runs: an IPv6-only network (no IPv4 range, v2 certificates), and an IPv6 range added to a v2
 * network whose hosts already run. Each has a lighthouse and two hosts enrolled by nc-agent as the
 * join page gives it. Nebula 1.6 cannot read v2 certificates, so this runs on the current version
 * only (lifecycle.lab.test.ts proves that 1.6 networks stay IPv4).
 *
 * Needs what nebula-lab.lab.test.ts needs: root, /dev/net/tun, and the running app (LAB_APP_URL,
 * DATABASE_URL, NEXTAUTH_SECRET, NC_MASTER_KEY).
 */
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
const HOSTS = ["lh1", "web1", "db1"] as const;
type HostName = (typeof HOSTS)[number];
const LIGHTHOUSE_PORT = 4242;
const PORT = 8086;
/** A change needs a poll (or the long poll's wake-up), `nebula -test` and a SIGHUP or restart; 30 s covers a loaded machine. */
const CHANGE_BOUND_MS = 30_000;
const current = nebulaVersions.at(-1)!;

/** One network on a lighthouse and two hosts (groups web and db), each running nc-agent. */
class SmallLab {
  lab!: Lab;
  api!: Api;
  network: Json = null;
  hosts = new Map<HostName, { dir: string; id: string; ip: string; ip6: string | null }>();

  constructor(readonly label: string) {}

  host(name: HostName) {
    return this.hosts.get(name)!;
  }

  diag(...names: HostName[]): string {
    return names.map((n) => `--- ${n} agent.log ---\n${tail(path.join(this.lab.tmpDir, n, "agent.log"))}\n--- ${n} nebula.log ---\n${tail(path.join(this.lab.tmpDir, n, "nebula.log"))}`).join("\n");
  }

  async ping6(from: HostName, to: string): Promise<boolean> {
    return (await this.lab.exec(this.lab.node(from).ns, "ping", ["-6", "-c", "1", "-W", "1", to], { timeout: 5_000 })).code === 0;
  }

  async nodes(): Promise<Json[]> {
    return (await this.api.call("GET", `/api/v1/networks/${this.network.id}/nodes`)).nodes as Json[];
  }

  async setUp(networkBody: Record<string, unknown>): Promise<void> {
    if (!APP_URL) throw new Error("set LAB_APP_URL to the running app");
    const version = await nebulaVersionOf(current.nebula);
    if (version.minor < 10) throw new Error(`nebula ${version.text} cannot read v2 certificates`);
    this.lab = await Lab.create([...HOSTS]);
    await waitForApp();
    this.api = new Api(await createTestUser({ name: `${this.label}-lab-admin` }));
    this.network = (await this.api.call("POST", "/api/v1/networks", { name: `${this.label} ${this.lab.id}`, certVersion: 2, nebulaTarget: "1.10", ...networkBody })).network;
    const N = `/api/v1/networks/${this.network.id}`;
    for (const name of ["web", "db"]) await this.api.call("POST", `${N}/groups`, { name });
    await this.api.call("PATCH", N, { pollSeconds: 5 });
    const link = async (body: object) => (await this.api.call("POST", `${N}/links`, body)).joinUrl as string;
    const links: Record<HostName, string> = {
      lh1: await link({ isLighthouse: true, endpoints: [`${this.lab.node("lh1").ip}:${LIGHTHOUSE_PORT}`], listenPort: LIGHTHOUSE_PORT, maxUses: 1, fixedName: "lh1" }),
      web1: await link({ presetGroups: ["web"], maxUses: 1, fixedName: "web1" }),
      db1: await link({ presetGroups: ["db"], maxUses: 1, fixedName: "db1" }),
    };
    if (!links.lh1.startsWith(`http://${UNDERLAY_HOST}:`)) throw new Error(`join links point at ${links.lh1}; start the app with NEXTAUTH_URL=http://${UNDERLAY_HOST}:<port>`);
    const agentBin = await downloadAgentAsPageSays(this.lab, this.lab.node("web1"), links.web1);
    for (const name of HOSTS) {
      const dir = path.join(this.lab.tmpDir, name);
      const r = await enrollWithAgent(this.lab, this.lab.node(name), { agentBin, joinUrl: links[name], dir, hostname: name, nebulaCert: current.nebulaCert });
      if (r.code !== 0) throw new Error(`${name}: nc-agent enroll failed (${r.code}):\n${r.stdout}${r.stderr}`);
    }
    await this.readHosts();
    for (const name of HOSTS) {
      const node = this.lab.node(name);
      await this.lab.exec(node.ns, "sysctl", ["-w", "net.ipv6.conf.all.disable_ipv6=0", "net.ipv6.conf.default.disable_ipv6=0"], { timeout: 5_000 });
      startAgent(this.lab, node, { agentBin, dir: this.host(name).dir, nebula: current.nebula, nebulaCert: current.nebulaCert, cwd: ROOT });
      const listener = `require("net").createServer((s) => s.end()).listen({ port: ${PORT}, host: "::", ipv6Only: true });`;
      this.lab.spawnIn(node.ns, process.execPath, ["-e", listener], { logFile: path.join(this.host(name).dir, "listener6.log") });
    }
    await this.waitApplied("every host to apply its first config");
  }

  async readHosts(): Promise<void> {
    const nodes = await this.nodes();
    for (const name of HOSTS) {
      const n = nodes.find((x) => x.name === name);
      this.hosts.set(name, { dir: path.join(this.lab.tmpDir, name), id: n.id, ip: n.ip, ip6: n.ip6 ?? null });
    }
  }

  /** Until every host has confirmed the network's latest revision (what the app shows as applied). */
  async waitApplied(what: string): Promise<void> {
    await waitFor(what, async () => (await this.nodes()).every((n) => n.host.state === "applied" && n.host.nebulaState === "running"), {
      timeoutMs: 60_000,
      intervalMs: 500,
      diag: () => this.diag(...HOSTS),
    });
  }

  tearDown(): void {
    if (!this.lab) return;
    const archive = path.join(ROOT, ".data", "network-lab", `${this.label}-logs`);
    try {
      rmSync(archive, { recursive: true, force: true });
      for (const name of HOSTS) {
        for (const f of ["agent.log", "nebula.log", "config.yml"]) {
          const file = path.join(this.lab.tmpDir, name, f);
          if (existsSync(file)) cpSync(file, path.join(archive, name, f));
        }
      }
    } catch (error) {
      console.error(`[${this.label}] could not keep the logs: ${String(error)}`);
    }
    this.lab.destroy();
  }
}

afterAll(async () => {
  await db.$disconnect();
});

/** A lab per describe: each makes the lab bridge, so they run one after the other. */
function withLab(label: string, networkBody: Record<string, unknown>): SmallLab {
  const L = new SmallLab(label);
  beforeAll(async () => {
    try {
      await L.setUp(networkBody);
    } catch (error) {
      L.tearDown();
      throw error;
    }
  });
  afterAll(() => L.tearDown());
  return L;
}

describe(`an IPv6-only network on nebula ${current.label}`, () => {
  const L = withLab("ipv6-only", { cidr6: "fd42:6:6::/64" });

  it("gives each host an IPv6 overlay address alone, on its tun, from the start of the range", async () => {
    expect(L.network.cidr).toBeNull();
    const prefix = String(L.network.cidr6).replace(/\/64$/, "");
    expect(HOSTS.map((n) => L.host(n).ip).sort()).toEqual([`${prefix}1`, `${prefix}2`, `${prefix}3`]);
    for (const name of HOSTS) {
      const v4 = await L.lab.exec(L.lab.node(name).ns, "ip", ["-4", "-o", "addr", "show", "dev", "nebula1"], { timeout: 5_000 });
      expect(v4.stdout.trim(), `${name} has no IPv4 overlay address`).toBe("");
      const v6 = await L.lab.exec(L.lab.node(name).ns, "ip", ["-6", "-o", "addr", "show", "dev", "nebula1"], { timeout: 5_000 });
      expect(v6.stdout).toContain(`${L.host(name).ip}/64`);
    }
  });

  it("carries ping -6 between hosts, found through the lighthouse by their IPv6 addresses", async () => {
    await waitFor("web1 -> db1 ping -6", () => L.ping6("web1", L.host("db1").ip), { timeoutMs: CHANGE_BOUND_MS, intervalMs: 300, diag: () => L.diag("web1", "db1", "lh1") });
    await waitFor("db1 -> lh1 ping -6", () => L.ping6("db1", L.host("lh1").ip), { timeoutMs: CHANGE_BOUND_MS, intervalMs: 300, diag: () => L.diag("db1", "lh1") });
  });

  it("enforces a group rule over IPv6: web reaches db's port once a rule allows it, lh1 never", async () => {
    const connect = (from: HostName) => tcpConnects(L.lab, L.lab.node(from), L.host("db1").ip, PORT, 3);
    expect(await connect("web1"), "web1 -> [db1]:8086 before a rule allows it").toBe(false);
    await L.api.call("POST", `/api/v1/networks/${L.network.id}/rules`, { direction: "inbound", port: String(PORT), proto: "tcp", peer: { kind: "group", group: "web" }, appliesTo: { kind: "group", group: "db" }, description: "lab: web to db, IPv6-only" });
    await waitFor("web1 -> [db1]:8086 once the group rule allows it", () => connect("web1"), { timeoutMs: CHANGE_BOUND_MS, intervalMs: 300, diag: () => L.diag("db1") });
    await waitFor("lh1 -> db1 ping -6", () => L.ping6("lh1", L.host("db1").ip), { timeoutMs: CHANGE_BOUND_MS, intervalMs: 300 });
    expect(await connect("lh1"), "lh1 (not in web) -> [db1]:8086").toBe(false);
    const verdict = await L.api.call("GET", `/api/v1/networks/${L.network.id}/reachability?from=${L.host("web1").id}&to=${L.host("db1").id}&proto=tcp&port=${PORT}`);
    expect(verdict.allowed).toBe(true);
  });
});

describe(`an IPv6 range added to a running v2 network on nebula ${current.label}`, () => {
  const L = withLab("ipv6-added", { cidr: "10.216.7.0/24" });

  it("gives every running host its IPv6 address without anyone touching it, and carries ping -6 between them", async () => {
    expect(L.host("web1").ip6).toBeNull();
    const added = await L.api.call("PATCH", `/api/v1/networks/${L.network.id}`, { cidr6: "fd42:6:7::/64" });
    expect(added.ipv6).toEqual({ resigned: HOSTS.length, remaining: 0 });
    await L.readHosts();
    for (const name of HOSTS) expect(L.host(name).ip6).toBe(`fd42:6:7::${Number(L.host(name).ip.split(".")[3]).toString(16)}`);
    await L.waitApplied("every host to apply its re-signed certificate");
    for (const name of HOSTS) {
      await waitFor(`${name}'s IPv6 address on its tun`, async () => {
        const r = await L.lab.exec(L.lab.node(name).ns, "ip", ["-6", "-o", "addr", "show", "dev", "nebula1"], { timeout: 5_000 });
        return r.stdout.includes(`${L.host(name).ip6}/64`);
      }, { timeoutMs: CHANGE_BOUND_MS, intervalMs: 300, diag: () => L.diag(name) });
    }
    await waitFor("web1 -> db1 ping -6", () => L.ping6("web1", L.host("db1").ip6!), { timeoutMs: CHANGE_BOUND_MS, intervalMs: 300, diag: () => L.diag("web1", "db1", "lh1") });
    // IPv4 keeps working beside it.
    const v4 = await L.lab.exec(L.lab.node("web1").ns, "ping", ["-c", "1", "-W", "2", L.host("db1").ip], { timeout: 5_000 });
    expect(v4.code, "web1 -> db1 over IPv4 after the range was added").toBe(0);
  });

  it("refuses to change the range once set, and changes nothing", async () => {
    const before = (await L.api.call("GET", `/api/v1/networks/${L.network.id}`)).network;
    const refused = await L.api.call("PATCH", `/api/v1/networks/${L.network.id}`, { cidr6: "fd42:6:8::/64" }).then(() => "200", (e: Error) => e.message);
    expect(refused).toMatch(/answered 400/);
    expect((await L.api.call("GET", `/api/v1/networks/${L.network.id}`)).network).toEqual(before);
  });
});
