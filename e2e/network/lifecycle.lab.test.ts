/**
 * The network's lifecycle on real nebula, per version, in network namespaces: subnet routes to a
 * LAN behind a router host. Four hosts (lighthouse lh1, router gw1, web1, db1), all enrolled by
 * nc-agent as the join page gives it, and a fifth namespace "lan" that sits behind gw1 on a veth
 * pair of its own, reachable only through the overlay.
 *
 * Needs what nebula-lab.lab.test.ts needs: root, /dev/net/tun, and the running app (LAB_APP_URL,
 * DATABASE_URL, NEXTAUTH_SECRET, NC_MASTER_KEY).
 */
import type { ChildProcess } from "node:child_process";
import { cpSync, existsSync, readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { db } from "@/lib/db/client";
import { RETIRE_SETTLE_SECONDS } from "@/lib/pki/ca-rotation";
import { createTestUser } from "@/lib/testing/api-harness";
import { nebulaVersions, type NebulaBinaries } from "@/lib/testing/nebula-binaries";
import { Lab, UNDERLAY_HOST, type LabNode } from "./lab";
import { Api, APP_URL, tail, waitFor, waitForApp, type Json } from "./lab-api";
import { downloadAgentAsPageSays, enrollWithAgent, nebulaVersionOf, startAgent, startListeners, tcpConnects } from "./lab-hosts";

const ROOT = path.resolve(import.meta.dirname, "../..");
const LOG_ARCHIVE = path.join(ROOT, ".data", "network-lab", "lifecycle-logs");
const POLL_SECONDS = 5;
/** A change needs a poll (or the long poll's wake-up), `nebula -test` and a restart or SIGHUP; 30 s covers a loaded machine. */
const CHANGE_BOUND_MS = 30_000;
const HOSTS = ["lh1", "gw1", "web1", "db1"] as const;
type HostName = (typeof HOSTS)[number];
const LIGHTHOUSE_PORT = 4242;
const SERVICE_PORT = 8080;
/** An IPv6-only listener (the 8080 one holds the IPv4 wildcard). */
const V6_PORT = 8086;
const LAN_PREFIX = "192.168.77";
const LAN_CIDR = `${LAN_PREFIX}.0/24`;

interface Host {
  node: LabNode;
  dir: string;
  id: string;
  ip: string;
  ip6: string | null;
}

class LifecycleLab {
  lab!: Lab;
  api!: Api;
  networkId = "";
  modern = false;
  hosts = new Map<HostName, Host>();
  lan!: LabNode;
  agents: ChildProcess[] = [];
  timings: Array<[string, number]> = [];

  constructor(readonly v: NebulaBinaries) {}

  host(name: HostName): Host {
    const h = this.hosts.get(name);
    if (!h) throw new Error(`no host ${name}`);
    return h;
  }

  diag(...names: HostName[]): string {
    return names.map((n) => `--- ${n} agent.log ---\n${tail(path.join(this.host(n).dir, "agent.log"))}\n--- ${n} nebula.log ---\n${tail(path.join(this.host(n).dir, "nebula.log"))}`).join("\n");
  }

  async setUp() {
    const version = await nebulaVersionOf(this.v.nebula);
    this.modern = version.minor >= 10;
    this.lab = await Lab.create([...HOSTS]);
    await waitForApp();
    this.api = new Api(await createTestUser({ name: "lifecycle-lab-admin" }));
    const third = 100 + (nebulaVersions.indexOf(this.v) % 100);
    const { network } = await this.api.call("POST", "/api/v1/networks", {
      name: `lifecycle ${version.text} ${this.lab.id}`,
      cidr: `10.214.${third}.0/24`,
      nebulaTarget: this.modern ? "1.10" : "1.6",
      certVersion: this.modern ? 2 : 1,
      // Dual-stack on 1.10 (v2 certificates carry both addresses); 1.6 stays IPv4 with v1 certificates.
      ...(this.modern ? { cidr6: `fd42:abcd:${third.toString(16)}::/64` } : {}),
    });
    this.networkId = network.id;
    for (const name of ["web", "db", "gw"]) await this.api.call("POST", `/api/v1/networks/${this.networkId}/groups`, { name });
    await this.api.call("PATCH", `/api/v1/networks/${this.networkId}`, { pollSeconds: POLL_SECONDS });

    const link = async (body: object) => (await this.api.call("POST", `/api/v1/networks/${this.networkId}/links`, body)).joinUrl as string;
    const links: Record<HostName, string> = {
      lh1: await link({ isLighthouse: true, endpoints: [`${this.lab.node("lh1").ip}:${LIGHTHOUSE_PORT}`], listenPort: LIGHTHOUSE_PORT, maxUses: 1, fixedName: "lh1" }),
      gw1: await link({ presetGroups: ["gw"], maxUses: 1, fixedName: "gw1" }),
      web1: await link({ presetGroups: ["web"], maxUses: 1, fixedName: "web1" }),
      db1: await link({ presetGroups: ["db"], maxUses: 1, fixedName: "db1" }),
    };
    if (!links.lh1.startsWith(`http://${UNDERLAY_HOST}:`)) throw new Error(`join links point at ${links.lh1}; start the app with NEXTAUTH_URL=http://${UNDERLAY_HOST}:<port>`);
    const agentBin = await downloadAgentAsPageSays(this.lab, this.lab.node("gw1"), links.gw1);
    for (const name of HOSTS) {
      const dir = path.join(this.lab.tmpDir, name);
      const r = await enrollWithAgent(this.lab, this.lab.node(name), { agentBin, joinUrl: links[name], dir, hostname: name, nebulaCert: this.v.nebulaCert });
      if (r.code !== 0) throw new Error(`${name}: nc-agent enroll failed (${r.code}):\n${r.stdout}${r.stderr}`);
    }
    const { nodes } = await this.api.call("GET", `/api/v1/networks/${this.networkId}/nodes`);
    for (const name of HOSTS) {
      const n = (nodes as Json[]).find((x) => x.name === name);
      if (!n?.ip) throw new Error(`${name} has no address: ${JSON.stringify(n)}`);
      this.hosts.set(name, { node: this.lab.node(name), dir: path.join(this.lab.tmpDir, name), id: n.id, ip: n.ip, ip6: n.ip6 ?? null });
    }
    this.lan = await this.lab.addSubnet("gw1", "lan", LAN_PREFIX);
    startListeners(this.lab, this.lan, [SERVICE_PORT], path.join(this.lab.tmpDir, "lan-listener.log"));
    for (const name of HOSTS) {
      const h = this.host(name);
      this.agents.push(startAgent(this.lab, h.node, { agentBin, dir: h.dir, nebula: this.v.nebula, nebulaCert: this.v.nebulaCert, cwd: ROOT }));
      startListeners(this.lab, h.node, [SERVICE_PORT], path.join(h.dir, "listener.log"));
      if (this.modern) {
        await this.lab.exec(h.node.ns, "sysctl", ["-w", "net.ipv6.conf.all.disable_ipv6=0", "net.ipv6.conf.default.disable_ipv6=0"], { timeout: 5_000 });
        const v6 = `require("net").createServer((s) => s.end()).listen({ port: ${V6_PORT}, host: "::", ipv6Only: true }, () => console.log("listening ${V6_PORT}"));`;
        this.lab.spawnIn(h.node.ns, process.execPath, ["-e", v6], { logFile: path.join(h.dir, "listener6.log") });
      }
    }
    await this.waitApplied("every host to apply its first config");
  }

  /** Until every host has confirmed the network's latest revision (what the app shows as applied). */
  async waitApplied(what: string): Promise<void> {
    await waitFor(
      what,
      async () => {
        const { nodes } = await this.api.call("GET", `/api/v1/networks/${this.networkId}/nodes`);
        return (nodes as Json[]).every((n) => n.host.state === "applied" && n.host.nebulaState === "running");
      },
      { timeoutMs: 60_000, intervalMs: 500, diag: () => this.diag(...HOSTS) },
    );
  }

  async hasRoute(name: HostName, cidr: string): Promise<boolean> {
    const r = await this.lab.exec(this.host(name).node.ns, "ip", ["-4", "route", "show", cidr], { timeout: 5_000 });
    return r.code === 0 && r.stdout.includes(cidr.replace(/\/\d+$/, ""));
  }

  async ping(from: HostName, toIp: string): Promise<boolean> {
    const r = await this.lab.exec(this.host(from).node.ns, "ping", ["-c", "1", "-W", "1", toIp], { timeout: 5_000 });
    return r.code === 0;
  }

  tearDown() {
    if (!this.lab) return;
    const dest = path.join(LOG_ARCHIVE, this.v.label.replace(/[^a-z0-9.]+/gi, "-"));
    try {
      rmSync(dest, { recursive: true, force: true });
      for (const name of HOSTS) {
        const dir = path.join(this.lab.tmpDir, name);
        for (const f of ["agent.log", "nebula.log", "config.yml"]) if (existsSync(path.join(dir, f))) cpSync(path.join(dir, f), path.join(dest, name, f));
      }
    } catch (error) {
      console.error(`[lifecycle] could not keep the logs: ${String(error)}`);
    }
    this.lab.destroy();
  }
}

afterAll(async () => {
  await db.$disconnect();
});

describe.each(nebulaVersions)("nebula $label: the network's lifecycle", (v) => {
  const L = new LifecycleLab(v);

  beforeAll(async () => {
    if (!APP_URL) throw new Error("set LAB_APP_URL to the running app");
    try {
      await L.setUp();
    } catch (error) {
      L.tearDown();
      throw error;
    }
  });

  afterAll(() => {
    L.tearDown();
    console.log(`[lifecycle ${v.label}] ${L.timings.map(([k, ms]) => `${k}: ${(ms / 1000).toFixed(1)} s`).join("; ")}`);
  });

  it("routes a LAN behind gw1 to the hosts the rules allow, and to no one else", async () => {
    const lan = `${LAN_PREFIX}.2`;
    const t = Date.now();
    await L.api.call("PATCH", `/api/v1/networks/${L.networkId}/nodes/${L.host("gw1").id}`, { unsafeNetworks: [LAN_CIDR] });
    await L.waitApplied("every host to apply the route through gw1");
    for (const name of ["web1", "db1"] as const) {
      await waitFor(`${name} to route ${LAN_CIDR} into the overlay`, () => L.hasRoute(name, LAN_CIDR), { timeoutMs: CHANGE_BOUND_MS, intervalMs: 300, diag: () => L.diag(name) });
    }
    L.timings.push(["route added -> on every host", Date.now() - t]);
    expect(await tcpConnects(L.lab, L.host("web1").node, lan, SERVICE_PORT, 2), "web1 -> lan:8080 before any rule allows it").toBe(false);

    // 1.10 matches a rule without local_cidr only against the host's own address, so the rule names
    // the LAN there; 1.6 has no local_cidr, and a plain rule covers the host and what it routes.
    const rule = await L.api.call("POST", `/api/v1/networks/${L.networkId}/rules`, {
      direction: "inbound", port: String(SERVICE_PORT), proto: "tcp", peer: { kind: "group", group: "web" }, appliesTo: { kind: "group", group: "gw" },
      ...(L.modern ? { localCidr: LAN_CIDR } : {}), description: "lab: web to the LAN behind gw1",
    });
    expect(rule.rule.id).toBeTruthy();
    const t2 = Date.now();
    await waitFor("web1 -> lan:8080 through gw1 once the rule allows it", () => tcpConnects(L.lab, L.host("web1").node, lan, SERVICE_PORT, 1), { timeoutMs: CHANGE_BOUND_MS, intervalMs: 300, diag: () => L.diag("web1", "gw1") });
    L.timings.push(["rule added -> LAN reachable", Date.now() - t2]);

    // db1 has a tunnel to gw1 and the route, so a refused connect is gw1's firewall at work.
    await waitFor("db1 -> gw1 ping over the overlay", () => L.ping("db1", L.host("gw1").ip), { timeoutMs: CHANGE_BOUND_MS, intervalMs: 300 });
    expect(await L.hasRoute("db1", LAN_CIDR)).toBe(true);
    expect(await tcpConnects(L.lab, L.host("db1").node, lan, SERVICE_PORT, 3), "db1 (not in web) -> lan:8080").toBe(false);
    expect(await tcpConnects(L.lab, L.host("web1").node, lan, SERVICE_PORT, 3), "web1 -> lan:8080, still open").toBe(true);
    // With local_cidr the rule opens the LAN only, not the router; on 1.6 it opens both (and the UI says so).
    expect(await tcpConnects(L.lab, L.host("web1").node, L.host("gw1").ip, SERVICE_PORT, 3), "web1 -> gw1:8080 (the router itself)").toBe(!L.modern);
  });

  it("answers a host's name with its overlay address from the lighthouse's DNS", async () => {
    const lh = L.host("lh1");
    await L.api.call("PATCH", `/api/v1/networks/${L.networkId}/nodes/${lh.id}`, { serveDns: true });
    // Nebula's DNS listens on the lighthouse's overlay address, behind its own firewall.
    await L.api.call("POST", `/api/v1/networks/${L.networkId}/rules`, { direction: "inbound", port: "53", proto: "udp", peer: { kind: "any" }, appliesTo: { kind: "all" }, description: "lab: DNS from any host" });
    await L.waitApplied("every host to apply DNS on lh1");
    // Nebula's DNS knows a host once it handshakes with the lighthouse, and forgets all on restart
    // (turning DNS on restarts lh1): the hosts reach it again first.
    for (const name of ["db1", "gw1"] as const) await waitFor(`${name} -> lh1 ping`, () => L.ping(name, lh.ip), { timeoutMs: CHANGE_BOUND_MS, intervalMs: 300, diag: () => L.diag(name, "lh1") });
    const tsx = path.join(ROOT, "node_modules", ".bin", "tsx");
    const query = (name: string) => L.lab.exec(L.host("web1").node.ns, tsx, [path.join(ROOT, "lib", "testing", "dns-query.ts"), lh.ip, "53", name], { timeout: 20_000 });
    const t = Date.now();
    const answer = await waitFor(
      "lh1's DNS to answer db1",
      async () => {
        const r = await query("db1");
        return r.code === 0 ? r.stdout.trim() : null;
      },
      { timeoutMs: CHANGE_BOUND_MS, intervalMs: 500, diag: () => L.diag("lh1") },
    );
    L.timings.push(["DNS on -> first answer", Date.now() - t]);
    expect(answer.split("\n")).toEqual([L.host("db1").ip]);
    expect((await query("gw1")).stdout.trim()).toBe(L.host("gw1").ip);
    const unknown = await query("nosuchhost");
    expect(unknown.code, unknown.stdout + unknown.stderr).toBe(1);
  });

  it("writes each host the keys its nebula knows, and a reject that lands on the right direction (#1798)", async () => {
    const config = () => parseYaml(readFileSync(path.join(L.host("db1").dir, "config.yml"), "utf8")) as { pki: Record<string, unknown>; firewall: Record<string, unknown> };
    const before = config();
    if (L.modern) {
      expect(before.pki.initiating_version).toBe(2);
      expect(before.firewall.default_local_cidr_any).toBe(true);
    } else {
      for (const key of ["initiating_version"]) expect(before.pki).not.toHaveProperty(key);
      for (const key of ["default_local_cidr_any", "inbound_action", "outbound_action"]) expect(before.firewall).not.toHaveProperty(key);
    }
    // Rejecting what no rule allows, inbound: 1.7-1.10 read the action keys the wrong way round, so
    // the server swaps them for those hosts; 1.6 has no such keys and always drops.
    await L.api.call("PATCH", `/api/v1/networks/${L.networkId}`, { inboundAction: "reject", outboundAction: "drop" });
    await L.waitApplied("every host to apply the reject setting");
    if (L.modern) expect(config().firewall).toMatchObject({ inbound_action: "drop", outbound_action: "reject" });
    const r = await L.lab.exec(L.host("web1").node.ns, "nc", ["-z", "-v", "-w", "3", L.host("db1").ip, "9999"], { timeout: 10_000 });
    expect(r.code, "nothing listens on 9999 and no rule allows it").not.toBe(0);
    // A reject answers at once ("refused"); a drop leaves the connect to time out.
    expect(`${r.stdout}${r.stderr}`).toMatch(L.modern ? /refused/i : /timed out/i);
    const { versions } = await L.api.call("GET", `/api/v1/networks/${L.networkId}/versions`);
    expect(JSON.stringify(versions)).toContain((await nebulaVersionOf(v.nebula)).text);
  });

  it("rotates the CA while web1 pings db1 every 100 ms: trust first, then new certificates, then the old CA retired", async () => {
    const base = `/api/v1/networks/${L.networkId}/ca/rotation`;
    const status = async () => (await L.api.call("GET", base)).rotation as Json;
    const pinger = new Pinger(L.lab, L.host("web1").node, L.host("db1").ip, path.join(L.lab.tmpDir, "rotation-ping.log"));
    await waitFor("web1 -> db1 ping", () => L.ping("web1", L.host("db1").ip), { timeoutMs: CHANGE_BOUND_MS, intervalMs: 300 });
    pinger.start();
    try {
      const marks: Array<[string, number]> = [["start", Date.now()]];
      await L.api.call("POST", base, {});
      await waitFor("every host to trust the new CA", async () => (await status()).canSwitch, { timeoutMs: 60_000, intervalMs: 500, diag: () => L.diag(...HOSTS) });
      const early = await L.api.call("POST", `${base}/retire`).then(() => "200", (e: Error) => e.message);
      expect(early, "retiring before any host moved is refused, naming hosts").toMatch(/answered 409.*(lh1|gw1|web1|db1)/s);
      marks.push(["switch", Date.now()]);
      await L.api.call("POST", `${base}/switch`, {});
      await waitFor("every host to apply a certificate from the new CA", async () => {
        const s = await status();
        return s.hosts.onNew === s.hosts.active;
      }, { timeoutMs: 90_000, intervalMs: 500, diag: () => L.diag(...HOSTS) });
      // Then one lighthouse interval, so that every lighthouse tunnel re-keys before the old CA goes.
      const settling = await L.api.call("POST", `${base}/retire`).then(() => "200", (e: Error) => e.message);
      expect(settling, "retiring right after the last host moved waits for the lighthouse tunnels").toMatch(/answered 409.*Retire in \d+ s/s);
      await waitFor("the old CA to be retirable", async () => (await status()).canRetire, { timeoutMs: (RETIRE_SETTLE_SECONDS + 30) * 1000, intervalMs: 1_000 });
      marks.push(["retire", Date.now()]);
      await L.api.call("POST", `${base}/retire`);
      await L.waitApplied("every host to apply the bundle without the old CA");
      for (const name of HOSTS) {
        const bundle = readFileSync(path.join(L.host(name).dir, "ca.crt"), "utf8");
        expect(bundle.match(/-----BEGIN NEBULA CERTIFICATE/g), `${name}'s ca.crt holds one CA`).toHaveLength(1);
      }
      // Traffic after the old CA is gone rides on the new certificates alone.
      await waitFor("web1 -> db1 ping after retirement", () => L.ping("web1", L.host("db1").ip), { timeoutMs: CHANGE_BOUND_MS, intervalMs: 300 });
      // gw1 and db1 have been idle since the route test: their old tunnel is gone with the old CA, and
      // a new one needs the lighthouse to know db1, which it does because its tunnel re-keyed first.
      const idlePairStart = Date.now();
      await waitFor("gw1 -> db1 ping after retirement (a tunnel idle through the rotation)", () => L.ping("gw1", L.host("db1").ip), { timeoutMs: 10_000, intervalMs: 300, diag: () => L.diag("gw1", "db1", "lh1") });
      L.timings.push(["idle pair reconnects after retirement", Date.now() - idlePairStart]);
      marks.push(["end", Date.now()]);
      await new Promise((r) => setTimeout(r, 2_000));
      pinger.stop();
      const gaps = marks.slice(0, -1).map(([phase, from], i) => [phase, pinger.longestGapMs(from, marks[i + 1]![1])] as const);
      console.log(`[lifecycle ${v.label}] rotation: ${pinger.replies()} replies; longest gap per phase: ${gaps.map(([p, g]) => `${p} ${g} ms`).join(", ")}`);
      L.timings.push(["rotation (trust, switch, retire)", marks.at(-1)![1] - marks[0]![1]]);
      // No tunnel loss beyond one re-handshake: a tunnel torn down and rebuilt from scratch takes seconds.
      for (const [phase, gap] of gaps) expect(gap, `longest ping gap while ${phase}`).toBeLessThan(3_000);
    } finally {
      pinger.stop();
    }
  });

  it("carries IPv6 over the overlay on 1.10 (dual-stack, v2 certificates), with a group rule enforced over IPv6", async () => {
    if (!L.modern) {
      // 1.6 reads v1 certificates only, which carry one IPv4 address: such a network cannot have an IPv6 range.
      const refused = await L.api.call("POST", "/api/v1/networks", { name: `v6 on 1.6 ${L.lab.id}`, cidr: "10.215.1.0/24", cidr6: "fd42:abcd:ffff::/64" }).then(() => "201", (e: Error) => e.message);
      expect(refused).toMatch(/answered 400/);
      return;
    }
    const web = L.host("web1");
    const db = L.host("db1");
    expect(db.ip6, "db1 has an IPv6 overlay address").toMatch(/^fd42:abcd:/);
    await waitFor("db1's IPv6 address on its tun", async () => {
      const r = await L.lab.exec(db.node.ns, "ip", ["-6", "-o", "addr", "show", "dev", "nebula1"], { timeout: 5_000 });
      return r.stdout.includes(`${db.ip6}/`);
    }, { timeoutMs: CHANGE_BOUND_MS, intervalMs: 300, diag: () => L.diag("db1") });
    await waitFor("web1 -> db1 ping -6 over the overlay", async () => (await L.lab.exec(web.node.ns, "ping", ["-6", "-c", "1", "-W", "1", db.ip6!], { timeout: 5_000 })).code === 0, { timeoutMs: CHANGE_BOUND_MS, intervalMs: 300, diag: () => L.diag("web1", "db1") });
    const connect6 = (from: HostName) => tcpConnects(L.lab, L.host(from).node, db.ip6!, V6_PORT, 3);
    expect(await connect6("web1"), "web1 -> [db1]:8086 before a rule allows it").toBe(false);
    await L.api.call("POST", `/api/v1/networks/${L.networkId}/rules`, { direction: "inbound", port: String(V6_PORT), proto: "tcp", peer: { kind: "group", group: "web" }, appliesTo: { kind: "group", group: "db" }, description: "lab: web to db over IPv6" });
    await waitFor("web1 -> [db1]:8086 once the group rule allows it", () => connect6("web1"), { timeoutMs: CHANGE_BOUND_MS, intervalMs: 300, diag: () => L.diag("db1") });
    await waitFor("gw1 -> db1 ping -6", async () => (await L.lab.exec(L.host("gw1").node.ns, "ping", ["-6", "-c", "1", "-W", "1", db.ip6!], { timeout: 5_000 })).code === 0, { timeoutMs: CHANGE_BOUND_MS, intervalMs: 300, diag: () => L.diag("gw1", "db1", "lh1") });
    expect(await connect6("gw1"), "gw1 (not in web) -> [db1]:8086").toBe(false);
    const verdict = await L.api.call("GET", `/api/v1/networks/${L.networkId}/reachability?from=${web.id}&to=${db.id}&proto=tcp&port=${V6_PORT}&family=ipv6`);
    expect(verdict.allowed).toBe(true);
  });

  it("keeps policy assertions that agree with real traffic, refuses a rule change that breaks one, and takes an owner's override", async () => {
    const N = `/api/v1/networks/${L.networkId}`;
    const rule = (await L.api.call("POST", `${N}/rules`, { direction: "inbound", port: "7070", proto: "tcp", peer: { kind: "group", group: "web" }, appliesTo: { kind: "group", group: "db" }, description: "lab: web to db on 7070" })).rule;
    for (const name of HOSTS) L.lab.spawnIn(L.host(name).node.ns, process.execPath, ["-e", `require("net").createServer((s) => s.end()).listen(7070, "0.0.0.0")`], { logFile: path.join(L.host(name).dir, "listener7070.log") });
    const assertions = [
      { from: { kind: "group", group: "web" }, to: { kind: "group", group: "db" }, proto: "tcp", port: "7070", expect: "allowed" },
      { from: { kind: "group", group: "gw" }, to: { kind: "group", group: "db" }, proto: "tcp", port: "7070", expect: "denied" },
      { from: { kind: "group", group: "db" }, to: { kind: "group", group: "web" }, proto: "tcp", port: "7070", expect: "denied" },
      { from: { kind: "host", host: "lh1" }, to: { kind: "group", group: "db" }, proto: "tcp", port: "7070", expect: "denied" },
    ];
    for (const a of assertions) await L.api.call("POST", `${N}/policy/assertions`, a);
    const tested = await L.api.call("POST", `${N}/policy/test`);
    expect(tested.verdicts.map((v: Json) => [v.assertion, v.passed])).toEqual(tested.verdicts.map((v: Json) => [v.assertion, true]));

    // Every assertion against every real pair it speaks of (a group's hosts here: one each).
    const members: Record<string, HostName[]> = { web: ["web1"], db: ["db1"], gw: ["gw1"] };
    const endsOf = (sel: Json): HostName[] => (sel.kind === "host" ? [sel.host] : members[sel.group]!);
    await L.waitApplied("every host to apply the 7070 rule");
    for (const a of assertions) {
      for (const from of endsOf(a.from)) {
        for (const to of endsOf(a.to)) {
          await waitFor(`${from} -> ${to} ping (a tunnel, so a refused connect is the firewall's)`, () => L.ping(from, L.host(to).ip), { timeoutMs: CHANGE_BOUND_MS, intervalMs: 300 });
          const open = a.expect === "allowed"
            ? await waitFor(`${from} -> ${to}:7070 to open`, () => tcpConnects(L.lab, L.host(from).node, L.host(to).ip, 7070, 1), { timeoutMs: CHANGE_BOUND_MS, intervalMs: 300 }).catch(() => false)
            : await tcpConnects(L.lab, L.host(from).node, L.host(to).ip, 7070, 3);
          expect(open, `${from} -> ${to} tcp/7070, asserted ${a.expect}`).toBe(a.expect === "allowed");
        }
      }
    }

    // Deleting the rule would break "web → db allowed": refused, nothing changes, traffic still flows.
    const revision = async () => (await db.network.findUniqueOrThrow({ where: { id: L.networkId } })).configRevision;
    const before = await revision();
    const refused = await L.api.call("DELETE", `${N}/rules/${rule.id}`).then(() => "deleted", (e: Error) => e.message);
    expect(refused).toMatch(/answered 409.*policy_violation.*group web → group db tcp\/7070 allowed/s);
    expect(await revision()).toBe(before);
    expect(await tcpConnects(L.lab, L.host("web1").node, L.host("db1").ip, 7070, 3)).toBe(true);

    // The owner overrides it (audited): the port closes, and the assertion now fails, as traffic says.
    await L.api.call("DELETE", `${N}/rules/${rule.id}?overridePolicy=true`);
    await waitFor("web1 -> db1:7070 to close after the override", async () => !(await tcpConnects(L.lab, L.host("web1").node, L.host("db1").ip, 7070, 1)), { timeoutMs: CHANGE_BOUND_MS, intervalMs: 300 });
    const after = await L.api.call("POST", `${N}/policy/test`);
    expect(after.verdicts.find((v: Json) => v.assertion === "group web → group db tcp/7070 allowed").passed).toBe(false);
    const audit = await L.api.call("GET", `${N}/audit?action=policy.override`);
    expect(JSON.stringify(audit)).toContain("policy.override");
  });
});

/** `ping -D -i 0.1` in a namespace, its replies' timestamps read back from its log. */
class Pinger {
  private child: ChildProcess | null = null;

  constructor(
    private readonly lab: Lab,
    private readonly node: LabNode,
    private readonly target: string,
    private readonly logFile: string,
  ) {}

  start() {
    this.child = this.lab.spawnIn(this.node.ns, "ping", ["-D", "-n", "-i", "0.1", "-W", "1", "-w", "600", this.target], { logFile: this.logFile });
  }

  stop() {
    if (this.child) this.lab.stopChild(this.child, 2_000);
    this.child = null;
  }

  private stamps(): number[] {
    const text = existsSync(this.logFile) ? readFileSync(this.logFile, "utf8") : "";
    return [...text.matchAll(/^\[(\d+\.\d+)\] \d+ bytes from/gm)].map((m) => Math.round(Number(m[1]) * 1000));
  }

  replies(): number {
    return this.stamps().length;
  }

  /** The longest time without a reply between `from` and `to` (ms since the epoch), the edges included. */
  longestGapMs(from: number, to: number): number {
    const inside = [from, ...this.stamps().filter((t) => t >= from && t <= to), to];
    return inside.slice(1).reduce((max, t, i) => Math.max(max, t - inside[i]!), 0);
  }
}