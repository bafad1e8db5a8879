/**
 * The real-network proof: for each Nebula version, five network namespaces on a bridge, driven
 * through the app's HTTP API. Two hosts (web1, db1) are enrolled by the join page's one-liner,
 * read from the page's HTML and run as it is (curl | sh, no systemd); the other three by nc-agent,
 * downloaded from the server with the page's own commands and checked against its SHA-256.
 * Asserts that the overlay works; that rules, blocks and certificate renewals reach both kinds of
 * host within one poll interval (by SIGHUP, the nebula PID unchanged); that the app's status is what
 * the hosts confirmed (applied, down, offline); that no credential ever shows in a command line;
 * and that the API's reachability answers match what TCP connects across the overlay do.
 *
 * Needs root, /dev/net/tun and a running app: LAB_APP_URL (http://10.213.0.1:<port>), plus the
 * app's DATABASE_URL, NEXTAUTH_SECRET and NC_MASTER_KEY. The app's NEXTAUTH_URL must be the same
 * http://10.213.0.1:<port>, since that is what the join links point the namespaces at.
 */
import type { ChildProcess } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cpSync, existsSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import path from "node:path";
import { db } from "@/lib/db/client";
import { createTestUser } from "@/lib/testing/api-harness";
import { nebulaVersions, type NebulaBinaries } from "@/lib/testing/nebula-binaries";
import { Lab, UNDERLAY_HOST, run } from "./lab";
import { Api, APP_URL, commandFromPage, joinPage, sleep, tail, waitFor, waitForApp, type Json } from "./lab-api";
import { downloadAgentAsPageSays, enrollWithAgent, nebulaVersionOf, pathWith, runOneLiner, startAgent, startListeners, tcpConnects } from "./lab-hosts";

const ROOT = path.resolve(import.meta.dirname, "../..");
const LOG_ARCHIVE = path.join(ROOT, ".data", "network-lab", "logs");

/** The network's poll interval (the smallest the server allows), and the slowest its ±10 % jitter makes. */
const POLL_SECONDS = 5;
const SLOWEST_POLL_MS = POLL_SECONDS * 1.1 * 1000;
/** A change must be enforced within one poll interval; 3 s of slack for the fetch, `nebula -test` and the SIGHUP. */
const ONE_POLL_BOUND_MS = SLOWEST_POLL_MS + 3_000;
/**
 * With long polling a change reaches a host as soon as it is committed; 10 s covers the fetch,
 * `nebula -test`, the SIGHUP and a loaded machine, and is far below the 60 s interval it is tested at.
 */
const LONG_POLL_BOUND_MS = 10_000;
/** Two poll intervals and 3 s of slack, where two steps must happen (e.g. a renewal, then its SIGHUP). */
const PROPAGATION_BOUND_MS = 2 * SLOWEST_POLL_MS + 3_000;
/**
 * A blocklist reaches nebula with the SIGHUP, but nebula tears down an open tunnel to a newly
 * blocked certificate (pki.disconnect_invalid) only when its connection manager next checks that
 * tunnel: every timers.connection_alive_interval (5 s, the app renders no timers) in 1.10; in 1.6
 * the lab has seen up to 9 s. Until then the tunnel keeps carrying traffic.
 */
const tunnelCheckMs = (v: { major: number; minor: number }) => (v.major === 1 && v.minor < 7 ? 10_000 : 5_000) + 1_000;

const NODES = ["lh1", "web1", "web2", "db1", "other1"] as const;
type NodeName = (typeof NODES)[number];
/** Enrolled by the join page's one-liner; the others by nc-agent. */
const ONE_LINER_HOSTS: NodeName[] = ["web1", "db1"];
const isOneLiner = (n: NodeName) => ONE_LINER_HOSTS.includes(n);
const TABLE_NODES: NodeName[] = ["web1", "db1", "other1", "lh1"];
const TABLE_PORTS = [8080, 9090];
const LIGHTHOUSE_PORT = 4242;

// ---- small helpers -----------------------------------------------------------------------------

/**
 * Every process's command line, sampled while the agents poll: a node credential (ncn_…) must
 * never be in one, since any local user can read /proc/<pid>/cmdline. Counts the agents' curl
 * runs it saw too, so a sampler that never catches a poll cannot pass for a clean result.
 */
class CmdlineSampler {
  samples = 0;
  pollsSeen = 0;
  leaks: string[] = [];
  private timer: NodeJS.Timeout | null = null;
  start() {
    this.timer = setInterval(() => this.sample(), 40);
  }
  stop() {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
  private sample() {
    this.samples++;
    let pids: string[] = [];
    try {
      pids = readdirSync("/proc").filter((d) => /^\d+$/.test(d));
    } catch {
      return;
    }
    for (const pid of pids) {
      let cmd = "";
      try {
        cmd = readFileSync(`/proc/${pid}/cmdline`, "utf8").replace(/\0/g, " ");
      } catch {
        continue;
      }
      if (cmd.includes("/api/v1/node/")) this.pollsSeen++;
      if (/ncn_[A-Za-z0-9_-]{20,}/.test(cmd) && this.leaks.length < 5) this.leaks.push(`pid ${pid}: ${cmd.slice(0, 200)}`);
    }
  }
}

async function fingerprintOf(nebulaCert: string, certFile: string): Promise<string> {
  const r = await run(nebulaCert, ["print", "-json", "-path", certFile], { timeout: 10_000 });
  if (r.code !== 0) throw new Error(`nebula-cert print ${certFile}: ${r.stderr}`);
  const text = r.stdout.trim();
  const parsed = (text.startsWith("[") ? JSON.parse(text)[0] : JSON.parse(text.split("\n")[0]!)) as { fingerprint: string };
  return parsed.fingerprint;
}

// ---- the lab for one version ---------------------------------------------------------------------

interface LabHost {
  name: NodeName;
  ns: string;
  underlayIp: string;
  dir: string;
  id: string;
  ip: string;
}

interface Case {
  from: NodeName;
  to: NodeName;
  port: number;
  api: boolean;
  observed: boolean;
  summary: string;
}

class VersionLab {
  lab!: Lab;
  api!: Api;
  networkId = "";
  hosts = new Map<NodeName, LabHost>();
  timings: Array<[string, number]> = [];
  started = Date.now();
  /** See tunnelCheckMs. */
  tunnelCheckMs = 0;
  /** nc-agent as downloaded from the server with the join page's commands. */
  agentBin = "";
  oneLinerOutput = new Map<NodeName, string>();
  agents = new Map<NodeName, ChildProcess>();
  sampler = new CmdlineSampler();
  private tornDown = false;

  constructor(readonly v: NebulaBinaries) {}

  host(name: NodeName): LabHost {
    const h = this.hosts.get(name);
    if (!h) throw new Error(`no host ${name}`);
    return h;
  }

  /** Tails of the agent and nebula logs of `names`, for failure messages. */
  diag(...names: NodeName[]): string {
    return names
      .map((n) => {
        const dir = path.join(this.lab.tmpDir, n);
        return `--- ${n} agent.log ---\n${tail(path.join(dir, "agent.log"))}\n--- ${n} nebula.log ---\n${tail(path.join(dir, "nebula.log"))}`;
      })
      .join("\n");
  }

  async ping(from: NodeName, to: NodeName): Promise<boolean> {
    const r = await this.lab.exec(this.host(from).ns, "ping", ["-c", "1", "-W", "1", this.host(to).ip], { timeout: 5_000 });
    return r.code === 0;
  }

  async waitPing(from: NodeName, to: NodeName, timeoutMs = 30_000): Promise<number> {
    const t = Date.now();
    await waitFor(`${from} -> ${to} ping over the overlay (${this.host(to).ip})`, () => this.ping(from, to), { timeoutMs, intervalMs: 250, diag: () => this.diag(from, to) });
    return Date.now() - t;
  }

  connect(from: NodeName, to: NodeName, port: number, seconds = 3): Promise<boolean> {
    return tcpConnects(this.lab, this.lab.node(from), this.host(to).ip, port, seconds);
  }

  async nebulaPid(name: NodeName): Promise<number> {
    const h = this.host(name);
    const pid = Number(readFileSync(path.join(h.dir, "nebula.pid"), "utf8").trim());
    const inNs = await this.lab.pidsIn(h.ns);
    if (!inNs.includes(pid)) throw new Error(`${name}: nebula.pid says ${pid}, but that is not in ${h.ns} (${inNs.join(" ")})`);
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, "utf8");
    if (!cmdline.includes(path.basename(this.v.nebula))) throw new Error(`${name}: pid ${pid} is not nebula: ${cmdline}`);
    return pid;
  }

  agentLog(name: NodeName): string {
    try {
      return readFileSync(path.join(this.host(name).dir, "agent.log"), "utf8");
    } catch {
      return "";
    }
  }

  count(text: string, needle: string): number {
    return text.split(needle).length - 1;
  }

  async setUp() {
    const version = await nebulaVersionOf(this.v.nebula);
    const modern = version.major > 1 || version.minor >= 10;
    this.tunnelCheckMs = tunnelCheckMs(version);
    this.lab = await Lab.create([...NODES]);
    await waitForApp();
    this.api = new Api(await createTestUser({ name: "lab-admin" }));

    // A fresh overlay per version and run; 1.10 gets the 1.10 config dialect and v2 certificates.
    const third = 10 + (nebulaVersions.indexOf(this.v) % 200);
    const { network } = await this.api.call("POST", "/api/v1/networks", {
      name: `lab ${version.text} ${this.lab.id}`,
      cidr: `10.214.${third}.0/24`,
      nebulaTarget: modern ? "1.10" : "1.6",
      certVersion: modern ? 2 : 1,
    });
    this.networkId = network.id;
    console.log(`[lab ${version.text}] network ${network.cidr}, target ${modern ? "1.10, v2 certificates" : "1.6, v1 certificates"}`);
    for (const name of ["web", "db", "ops"]) await this.api.call("POST", `/api/v1/networks/${this.networkId}/groups`, { name });

    // The network's own poll interval, so both kinds of host use what the server tells them.
    await this.api.call("PATCH", `/api/v1/networks/${this.networkId}`, { pollSeconds: POLL_SECONDS });

    const lhEndpoint = `${this.lab.node("lh1").ip}:${LIGHTHOUSE_PORT}`;
    const link = async (body: object) => (await this.api.call("POST", `/api/v1/networks/${this.networkId}/links`, body)).joinUrl as string;
    const links: Record<NodeName, string> = {
      lh1: await link({ isLighthouse: true, endpoints: [lhEndpoint], listenPort: LIGHTHOUSE_PORT, maxUses: 1, fixedName: "lh1", description: "lab lighthouse" }),
      web1: "",
      web2: "",
      db1: await link({ presetGroups: ["db"], maxUses: 1, description: "lab db" }),
      other1: await link({ presetGroups: [], maxUses: 1, description: "lab other" }),
    };
    links.web1 = links.web2 = await link({ presetGroups: ["web"], maxUses: 2, description: "lab web" });
    if (!links.lh1.startsWith(`http://${UNDERLAY_HOST}:`)) {
      throw new Error(`join links point at ${links.lh1}; start the app with NEXTAUTH_URL=http://${UNDERLAY_HOST}:<port> so that the namespaces can reach it`);
    }

    // nc-agent comes from the server, fetched and checked with the join page's own commands. They
    // install to /usr/local/bin, so they run in a mount namespace where that is the lab's folder.
    this.agentBin = await downloadAgentAsPageSays(this.lab, this.lab.node("other1"), links.other1);
    const hostEnv = pathWith([this.v.nebula, this.v.nebulaCert]);

    const enrollAgentHost = async (name: NodeName) => {
      const dir = path.join(this.lab.tmpDir, name);
      const r = await enrollWithAgent(this.lab, this.lab.node(name), { agentBin: this.agentBin, joinUrl: links[name], dir, hostname: name, nebulaCert: this.v.nebulaCert });
      if (r.code !== 0) throw new Error(`${name}: nc-agent enroll failed (${r.code}${r.timedOut ? ", timed out" : ""}):\n${r.stdout}${r.stderr}`);
    };
    /** The one-liner exactly as the join page shows it (as root); the host is called <name>. */
    const enrollOneLinerHost = async (name: NodeName) => {
      const command = commandFromPage(await joinPage(links[name]), "oneliner-root");
      const r = await runOneLiner(this.lab, this.lab.node(name), { hostname: name, dir: path.join(this.lab.tmpDir, name), command, env: hostEnv });
      this.oneLinerOutput.set(name, `${r.stdout}${r.stderr}`);
      if (r.code !== 0) throw new Error(`${name}: the one-liner failed (${r.code}${r.timedOut ? ", timed out" : ""}):\n${command}\n${r.stdout}${r.stderr}\n${this.diag(name)}`);
    };
    const t0 = Date.now();
    await enrollAgentHost("lh1");
    this.sampler.start();
    await Promise.all(NODES.filter((n) => n !== "lh1").map((n) => (isOneLiner(n) ? enrollOneLinerHost(n) : enrollAgentHost(n))));
    this.timings.push(["enroll 5 nodes", Date.now() - t0]);

    const { nodes } = await this.api.call("GET", `/api/v1/networks/${this.networkId}/nodes`);
    for (const name of NODES) {
      const n = (nodes as Json[]).find((x) => x.name === name);
      if (!n?.ip || n.status !== "active") throw new Error(`${name} is not an active node with an address: ${JSON.stringify(n)}`);
      this.hosts.set(name, { name, ns: this.lab.node(name).ns, underlayIp: this.lab.node(name).ip, dir: path.join(this.lab.tmpDir, name), id: n.id, ip: n.ip });
    }

    const t1 = Date.now();
    for (const name of NODES) {
      const h = this.host(name);
      if (!isOneLiner(name)) this.agents.set(name, startAgent(this.lab, this.lab.node(name), { agentBin: this.agentBin, dir: h.dir, nebula: this.v.nebula, nebulaCert: this.v.nebulaCert, cwd: ROOT }));
      startListeners(this.lab, this.lab.node(name), TABLE_PORTS, path.join(h.dir, "listener.log"));
    }
    for (const name of NODES) {
      const h = this.host(name);
      await waitFor(`nebula on ${name} to bring up ${h.ip} on nebula1`, async () => {
        const r = await this.lab.exec(h.ns, "ip", ["-o", "-4", "addr", "show", "dev", "nebula1"], { timeout: 5_000 });
        return r.code === 0 && r.stdout.includes(` ${h.ip}/`);
      }, { timeoutMs: 60_000, intervalMs: 400, diag: () => this.diag(name) });
      await waitFor(`${name}'s listeners`, async () => this.count(tail(path.join(h.dir, "listener.log"), 10), "listening") >= TABLE_PORTS.length, { timeoutMs: 20_000 });
    }
    this.timings.push(["agents up, nebula tun on all nodes", Date.now() - t1]);
  }

  async rule(body: object): Promise<Json> {
    return (await this.api.call("POST", `/api/v1/networks/${this.networkId}/rules`, body)).rule;
  }

  /** Copies the logs somewhere that outlives the lab, then tears the lab down. */
  tearDown() {
    this.sampler.stop();
    if (!this.lab || this.tornDown) return;
    this.tornDown = true;
    const slug = this.v.label.replace(/[^a-z0-9.]+/gi, "-");
    const dest = path.join(LOG_ARCHIVE, slug);
    try {
      rmSync(dest, { recursive: true, force: true });
      for (const name of NODES) {
        const dir = path.join(this.lab.tmpDir, name);
        for (const f of ["agent.log", "nebula.log", "listener.log", "config.yml", "nc-agent.sh"]) {
          if (existsSync(path.join(dir, f))) cpSync(path.join(dir, f), path.join(dest, name, f));
        }
      }
    } catch (error) {
      console.error(`[lab] could not keep the logs: ${String(error)}`);
    }
    this.lab.destroy();
  }
}

// ---- the suite ---------------------------------------------------------------------------------

const summaries: string[] = [];

afterAll(async () => {
  if (summaries.length) console.log(`\n[lab] durations\n${summaries.join("\n")}`);
  await db.$disconnect();
});

describe.each(nebulaVersions)("nebula $label in network namespaces", (v) => {
  const L = new VersionLab(v);
  let webRuleId = "";

  beforeAll(async () => {
    if (!APP_URL) throw new Error("set LAB_APP_URL (e.g. http://10.213.0.1:3200) to the running app, whose NEXTAUTH_URL must be the same address");
    for (const k of ["DATABASE_URL", "NEXTAUTH_SECRET"]) if (!process.env[k]) throw new Error(`set ${k} to the running app's value`);
    L.started = Date.now();
    try {
      await L.setUp();
    } catch (error) {
      L.tearDown();
      throw error;
    }
  });

  afterAll(() => {
    L.tearDown();
    const total = (Date.now() - L.started) / 1000;
    const line = `  ${v.label.padEnd(22)} ${total.toFixed(1).padStart(6)} s  (${L.timings.map(([k, ms]) => `${k}: ${(ms / 1000).toFixed(1)} s`).join("; ")})`;
    summaries.push(line);
    console.log(`[lab] ${v.label}: whole lab ${total.toFixed(1)} s`);
  });

  it("a. pings cross the overlay between two nodes, both ways, and to and from the lighthouse", async () => {
    const t = Date.now();
    await L.waitPing("web1", "db1", 45_000);
    await L.waitPing("db1", "web1");
    await L.waitPing("web1", "lh1");
    await L.waitPing("lh1", "db1");
    await L.waitPing("other1", "lh1");
    L.timings.push(["first pings", Date.now() - t]);
  });

  it("a0. the app shows every host as applied only once each confirmed it, with its nebula version and agent", async () => {
    const expected = (await nebulaVersionOf(v.nebula)).text;
    const hosts = await waitFor(
      "every host to report its latest revision applied",
      async () => {
        const { nodes } = await L.api.call("GET", `/api/v1/networks/${L.networkId}/nodes`);
        return (nodes as Json[]).every((n) => n.host.state === "applied") ? (nodes as Json[]) : null;
      },
      { timeoutMs: PROPAGATION_BOUND_MS, intervalMs: 500, diag: () => L.diag(...NODES) },
    );
    for (const n of hosts) {
      expect(n.host.nebulaVersion, n.name).toBe(expected);
      expect(n.host.agentVersion, n.name).toMatch(isOneLiner(n.name) ? /^nc-agent-sh\// : /^nc-agent\//);
      expect(n.host.nebulaState, n.name).toBe("running");
      expect(n.host.lastError, n.name).toBeNull();
    }
    // The one-liner said so on screen too: no systemd here, so a background agent with a pidfile.
    for (const name of ONE_LINER_HOSTS) {
      const out = L.oneLinerOutput.get(name) ?? "";
      expect(out).toMatch(new RegExp(`enrolled as ${name} \\(`));
      expect(out).toMatch(/nebula is running \(pid \d+\) with revision \d+ applied/);
      expect(out).toContain("no systemd here, so the agent runs in the background");
      expect(Number(readFileSync(path.join(L.host(name).dir, "agent.pid"), "utf8"))).toBeGreaterThan(1);
    }
  });

  it("b. an inbound tcp/8080 rule from group web on group db lets web1 in and keeps other1 out", async () => {
    // Nothing admits 8080 yet: the default rules are outbound any and inbound ICMP.
    expect(await L.connect("web1", "db1", 8080, 2), "web1 -> db1:8080 before any rule allows it").toBe(false);
    const rule = await L.rule({ direction: "inbound", port: "8080", proto: "tcp", peer: { kind: "group", group: "web" }, appliesTo: { kind: "group", group: "db" }, description: "lab: web to db on 8080" });
    webRuleId = rule.id;
    const t = Date.now();
    await waitFor("web1 -> db1:8080 to connect after the rule was added", () => L.connect("web1", "db1", 8080, 1), { timeoutMs: 30_000, intervalMs: 250, diag: () => L.diag("db1") });
    const took = Date.now() - t;
    L.timings.push(["rule added -> enforced", took]);
    console.log(`[lab ${v.label}] b. rule added; web1 -> db1:8080 open after ${took} ms`);
    // other1 has a tunnel to db1 (ICMP is allowed), so a refused connect is the firewall's doing.
    await L.waitPing("other1", "db1");
    expect(await L.connect("other1", "db1", 8080, 3), "other1 -> db1:8080 (other1 is not in group web)").toBe(false);
    expect(await L.connect("other1", "db1", 8080, 3), "other1 -> db1:8080, second try").toBe(false);
    expect(await L.connect("web1", "db1", 8080, 3), "web1 -> db1:8080 still open").toBe(true);
  });

  it("c. a rule changed through the API is enforced on a one-liner host within one poll interval, by SIGHUP without restarting nebula", async () => {
    expect(webRuleId).not.toBe("");
    const pidBefore = await L.nebulaPid("db1");
    const startsBefore = L.count(L.agentLog("db1"), "nebula started");
    const hupsBefore = L.count(L.agentLog("db1"), "reloaded with SIGHUP");
    expect(await L.connect("web1", "db1", 8080, 3)).toBe(true);

    const t0 = Date.now();
    await L.api.call("PUT", `/api/v1/networks/${L.networkId}/rules/${webRuleId}`, {
      direction: "inbound",
      port: "8080",
      proto: "tcp",
      peer: { kind: "group", group: "ops" },
      appliesTo: { kind: "group", group: "db" },
      description: "lab: ops to db on 8080",
    });
    // The first attempt that starts after the change and fails marks when it was enforced.
    const closedAt = await waitFor(
      "web1 -> db1:8080 to be refused after the rule's peer became group ops",
      async () => {
        const attempt = Date.now();
        return (await L.connect("web1", "db1", 8080, 1)) ? false : attempt;
      },
      { timeoutMs: ONE_POLL_BOUND_MS + 10_000, intervalMs: 200, diag: () => L.diag("db1") },
    );
    const latency = closedAt - t0;
    L.timings.push(["rule changed -> enforced (one-liner host)", latency]);
    console.log(`[lab ${v.label}] c. rule changed; web1 -> db1:8080 (one-liner host) closed after ${latency} ms (bound ${ONE_POLL_BOUND_MS} ms)`);
    expect(await L.connect("web1", "db1", 8080, 2), "web1 -> db1:8080 stays closed").toBe(false);
    expect(latency, `enforced within one poll interval + 3 s\n${L.diag("db1")}`).toBeLessThanOrEqual(ONE_POLL_BOUND_MS);

    // Reloaded, not restarted: the same nebula process, a SIGHUP in the agent's log, no new start.
    expect(await L.nebulaPid("db1")).toBe(pidBefore);
    expect(L.count(L.agentLog("db1"), "nebula started")).toBe(startsBefore);
    expect(L.count(L.agentLog("db1"), "reloaded with SIGHUP")).toBeGreaterThan(hupsBefore);
    // The tunnel itself was not disturbed.
    expect(await L.ping("web1", "db1")).toBe(true);
  });

  it("c2. a rule added through the API is enforced on an nc-agent host within one poll interval, by SIGHUP", async () => {
    const pidBefore = await L.nebulaPid("web2");
    const hupsBefore = L.count(L.agentLog("web2"), "reloaded with SIGHUP");
    await L.waitPing("db1", "web2");
    expect(await L.connect("db1", "web2", 9090, 2), "db1 -> web2:9090 before any rule allows it").toBe(false);
    const t0 = Date.now();
    await L.rule({ direction: "inbound", port: "9090", proto: "tcp", peer: { kind: "group", group: "db" }, appliesTo: { kind: "group", group: "web" }, description: "lab: c2 db to web 9090" });
    await waitFor("db1 -> web2:9090 to connect after the rule was added", () => L.connect("db1", "web2", 9090, 1), { timeoutMs: ONE_POLL_BOUND_MS + 10_000, intervalMs: 200, diag: () => L.diag("web2") });
    const latency = Date.now() - t0;
    L.timings.push(["rule added -> enforced (nc-agent host)", latency]);
    console.log(`[lab ${v.label}] c2. rule added; db1 -> web2:9090 (nc-agent host) open after ${latency} ms (bound ${ONE_POLL_BOUND_MS} ms)`);
    expect(latency, `enforced within one poll interval + 3 s\n${L.diag("web2")}`).toBeLessThanOrEqual(ONE_POLL_BOUND_MS);
    expect(await L.nebulaPid("web2")).toBe(pidBefore);
    expect(L.count(L.agentLog("web2"), "reloaded with SIGHUP")).toBeGreaterThan(hupsBefore);
  });

  it("c3. with a 60 s poll interval, a rule change still reaches a one-liner host and an nc-agent host in seconds (long polling), by SIGHUP", async () => {
    const pids = { db1: await L.nebulaPid("db1"), web2: await L.nebulaPid("web2") };
    await L.api.call("PATCH", `/api/v1/networks/${L.networkId}`, { pollSeconds: 60 });
    // Every host's held poll ends within the old interval and brings the new one; from then on
    // each poll is held for up to 55 s, so plain polling would need most of a minute from here.
    await sleep(SLOWEST_POLL_MS + 2_000);
    await L.waitPing("web1", "db1");
    await L.waitPing("db1", "web2");
    // Ports the hosts listen on that no rule opens yet between these pairs.
    expect(await L.connect("web1", "db1", 9090, 2), "web1 -> db1:9090 before any rule allows it").toBe(false);
    expect(await L.connect("db1", "web2", 8080, 2), "db1 -> web2:8080 before any rule allows it").toBe(false);
    const t0 = Date.now();
    const added = [
      await L.rule({ direction: "inbound", port: "9090", proto: "tcp", peer: { kind: "group", group: "web" }, appliesTo: { kind: "group", group: "db" }, description: "lab: c3 web to db 9090" }),
      await L.rule({ direction: "inbound", port: "8080", proto: "tcp", peer: { kind: "group", group: "db" }, appliesTo: { kind: "group", group: "web" }, description: "lab: c3 db to web 8080" }),
    ];
    const opened = async (from: NodeName, to: NodeName, port: number) => {
      await waitFor(`${from} -> ${to}:${port} to connect after the rule was added`, () => L.connect(from, to, port, 1), { timeoutMs: LONG_POLL_BOUND_MS + 10_000, intervalMs: 200, diag: () => L.diag(to) });
      return Date.now() - t0;
    };
    const [oneLiner, ncAgent] = await Promise.all([opened("web1", "db1", 9090), opened("db1", "web2", 8080)]);
    L.timings.push(["rule added -> enforced, 60 s interval (one-liner host, long poll)", oneLiner], ["rule added -> enforced, 60 s interval (nc-agent host, long poll)", ncAgent]);
    console.log(`[lab ${v.label}] c3. 60 s interval: rule enforced on the one-liner host after ${oneLiner} ms and on the nc-agent host after ${ncAgent} ms (bound ${LONG_POLL_BOUND_MS} ms)`);
    expect(oneLiner, `one-liner host: long polling brings the change in seconds\n${L.diag("db1")}`).toBeLessThanOrEqual(LONG_POLL_BOUND_MS);
    expect(ncAgent, `nc-agent host: long polling brings the change in seconds\n${L.diag("web2")}`).toBeLessThanOrEqual(LONG_POLL_BOUND_MS);
    expect(await L.nebulaPid("db1")).toBe(pids.db1);
    expect(await L.nebulaPid("web2")).toBe(pids.web2);

    // Back to the rules and the interval the tests below expect. Held polls hear the interval at
    // once (the change wakes them), so their bounds hold again after one short wait.
    for (const rule of added) await L.api.call("DELETE", `/api/v1/networks/${L.networkId}/rules/${rule.id}`);
    await L.api.call("PATCH", `/api/v1/networks/${L.networkId}`, { pollSeconds: POLL_SECONDS });
    await sleep(SLOWEST_POLL_MS + 2_000);
    await waitFor("web1 -> db1:9090 to close again", async () => !(await L.connect("web1", "db1", 9090, 1)), { timeoutMs: ONE_POLL_BOUND_MS + 10_000, intervalMs: 300, diag: () => L.diag("db1") });
  });

  it("d. a blocked node loses the overlay within two poll intervals plus nebula's tunnel check, while the others keep it", async () => {
    const others: NodeName[] = ["web1", "db1", "other1", "lh1"];
    for (const o of others) await L.waitPing("web2", o);
    const t0 = Date.now();
    await L.api.call("POST", `/api/v1/networks/${L.networkId}/nodes/${L.host("web2").id}/block`);

    const cutAt = await waitFor(
      "web2 to lose every peer after being blocked",
      async () => {
        const attempt = Date.now();
        const results = await Promise.all(others.map((o) => L.ping("web2", o)));
        return results.some(Boolean) ? false : attempt;
      },
      { timeoutMs: PROPAGATION_BOUND_MS + L.tunnelCheckMs + 15_000, intervalMs: 200, diag: () => L.diag("web2", "db1") },
    );
    const latency = cutAt - t0;
    const bound = PROPAGATION_BOUND_MS + L.tunnelCheckMs;
    L.timings.push(["block -> web2 cut off", latency]);
    console.log(`[lab ${v.label}] d. web2 blocked; cut off from all peers after ${latency} ms (bound ${bound} ms: two polls + 3 s + nebula's tunnel check ${L.tunnelCheckMs} ms)`);
    // Still cut off a little later, when it has had time to try new handshakes.
    await sleep(3_000);
    for (const o of others) expect(await L.ping("web2", o), `web2 -> ${o} after the block`).toBe(false);
    expect(await L.ping("web1", "db1")).toBe(true);
    expect(await L.ping("db1", "web1")).toBe(true);
    expect(latency, `cut off within two poll intervals + 3 s + nebula's tunnel check\n${L.diag("web2", "db1")}`).toBeLessThanOrEqual(bound);
    // web2's own agent heard 403: it stopped nebula, said why, and exited 3 (so no supervisor restarts it).
    const agent = L.agents.get("web2")!;
    await waitFor("web2's nc-agent to exit", async () => agent.exitCode !== null || null, { timeoutMs: SLOWEST_POLL_MS + 5_000, diag: () => L.diag("web2") });
    expect(agent.exitCode).toBe(3);
    expect(L.agentLog("web2")).toContain("An administrator blocked this node");
    expect(existsSync(path.join(L.host("web2").dir, "nebula.pid")), "web2's nebula stopped").toBe(false);
  });

  const forceRenewalDue = async () => {
    const now = Date.now();
    const day = 24 * 3600 * 1000;
    const changed = await db.certificate.updateMany({ where: { nodeId: L.host("web1").id, revokedAt: null }, data: { notBefore: new Date(now - 29 * day), notAfter: new Date(now + day) } });
    expect(changed.count).toBe(1);
    await db.network.update({ where: { id: L.networkId }, data: { configRevision: { increment: 1 } } });
  };
  let renewalState: { fpBefore: string; pidBefore: number; renewedBefore: number; hupsBefore: number; startsBefore: number; forcedAt: number } | null = null;
  const renewed = async () => (await fingerprintOf(v.nebulaCert, path.join(L.host("web1").dir, "host.crt"))) !== renewalState!.fpBefore && L.count(L.agentLog("web1"), "certificate renewed") > renewalState!.renewedBefore;

  it("e1. a certificate due for renewal is renewed on the next polls even when nothing else changed", async () => {
    // Counted before the renewal is forced: the agent may renew and reload before e2 starts looking.
    renewalState = {
      fpBefore: await fingerprintOf(v.nebulaCert, path.join(L.host("web1").dir, "host.crt")),
      pidBefore: await L.nebulaPid("web1"),
      renewedBefore: L.count(L.agentLog("web1"), "certificate renewed"),
      hupsBefore: L.count(L.agentLog("web1"), "reloaded with SIGHUP"),
      startsBefore: L.count(L.agentLog("web1"), "nebula started"),
      forcedAt: Date.now(),
    };
    await forceRenewalDue();
    await waitFor("web1 to renew its certificate (server says renewalDue)", renewed, { timeoutMs: PROPAGATION_BOUND_MS, intervalMs: 400, diag: () => L.diag("web1") });
  });

  it("e2. a renewed certificate (new key pair, SIGHUP) keeps the one-liner host web1's tunnels up", async () => {
    expect(renewalState, "e1 recorded the state before renewal").not.toBeNull();
    const state = renewalState!;
    const { hupsBefore, startsBefore } = state;

    // Ping both ways every 250 ms through the whole renewal, to measure any outage.
    const successes: Record<string, number[]> = { "web1 -> db1": [], "db1 -> web1": [] };
    let probing = true;
    const probeStart = Date.now();
    const probe = async (from: NodeName, to: NodeName) => {
      const hardStop = Date.now() + 120_000;
      while (probing && Date.now() < hardStop) {
        const t = Date.now();
        if (await L.ping(from, to)) successes[`${from} -> ${to}`]!.push(t);
        await sleep(250);
      }
    };
    const probes = [probe("web1", "db1"), probe("db1", "web1")];
    let fpAfter = "";
    try {
      const t0 = Date.now();
      await waitFor("web1 to renew its certificate", renewed, { timeoutMs: PROPAGATION_BOUND_MS + 10_000, intervalMs: 300, diag: () => L.diag("web1") });
      const renewedAt = Date.now();
      fpAfter = await fingerprintOf(v.nebulaCert, path.join(L.host("web1").dir, "host.crt"));
      console.log(`[lab ${v.label}] e. web1 renewed after ${renewedAt - t0} ms: ${state.fpBefore.slice(0, 16)}… -> ${fpAfter.slice(0, 16)}…`);

      // The peers blocklist the superseded certificate, so its tunnels go; a handshake with the new
      // certificate must replace them. db1's log names the certificate each handshake carried.
      await waitFor("db1 to handshake with web1's renewed certificate", async () => tail(path.join(L.host("db1").dir, "nebula.log"), 400).includes(fpAfter), {
        timeoutMs: 40_000,
        intervalMs: 300,
        diag: () => L.diag("web1", "db1"),
      });
      L.timings.push(["renewal -> handshake with new cert", Date.now() - renewedAt]);
      // Keep probing until every peer has had its poll and its tunnel check with the new blocklist.
      await sleep(Math.max(0, renewedAt + PROPAGATION_BOUND_MS + L.tunnelCheckMs - Date.now()));
    } finally {
      probing = false;
      await Promise.all(probes);
    }
    const probeEnd = Date.now();
    const gaps = Object.entries(successes).map(([pair, times]) => {
      const marks = [probeStart, ...times, probeEnd];
      const longest = Math.max(...marks.slice(1).map((t, i) => t - marks[i]!));
      return { pair, longest, ok: times.length };
    });
    console.log(`[lab ${v.label}] e. pings during the renewal (${((probeEnd - probeStart) / 1000).toFixed(1)} s): ${gaps.map((g) => `${g.pair}: ${g.ok} answered, longest gap ${g.longest} ms`).join("; ")}`);
    await L.waitPing("web1", "db1", 15_000);
    await L.waitPing("db1", "web1", 15_000);
    await L.waitPing("web1", "lh1", 15_000);
    // "A few seconds" for the re-handshake; a ping that times out already accounts for one second.
    for (const g of gaps) expect(g.longest, `longest ping outage ${g.pair} during the renewal\n${L.diag("web1", "db1")}`).toBeLessThanOrEqual(5_000);

    expect(await L.nebulaPid("web1"), "web1's nebula was reloaded, not restarted").toBe(state.pidBefore);
    expect(L.count(L.agentLog("web1"), "nebula started")).toBe(startsBefore);
    expect(L.count(L.agentLog("web1"), "reloaded with SIGHUP")).toBeGreaterThan(hupsBefore);
    const current = await db.certificate.findFirstOrThrow({ where: { nodeId: L.host("web1").id, revokedAt: null } });
    expect(current.fingerprint).toBe(fpAfter);
  });

  it("f. the API's reachability answers match TCP connects across the overlay", async () => {
    const other1 = L.host("other1");
    const marker = "lab: f everyone's 8080 from db";
    await L.rule({ direction: "inbound", port: "9090", proto: "tcp", peer: { kind: "any" }, appliesTo: { kind: "group", group: "web" }, description: "lab: f any to web 9090" });
    await L.rule({ direction: "inbound", port: "9090", proto: "tcp", peer: { kind: "cidr", cidr: `${other1.ip}/32` }, appliesTo: { kind: "group", group: "db" }, description: "lab: f other1 to db 9090" });
    await L.rule({ direction: "inbound", port: "8080", proto: "tcp", peer: { kind: "host", host: "lh1" }, appliesTo: { kind: "group", group: "web" }, description: "lab: f lh1 to web 8080" });
    await L.rule({ direction: "inbound", port: "8080", proto: "tcp", peer: { kind: "group", group: "db" }, appliesTo: { kind: "all" }, description: marker });
    // Every table node's config has the last rule once it has polled; then one more moment for the SIGHUP.
    await waitFor("every node to write the new rules", async () => TABLE_NODES.every((n) => readFileSync(path.join(L.host(n).dir, "config.yml"), "utf8").includes(marker)), {
      timeoutMs: PROPAGATION_BOUND_MS + 5_000,
      intervalMs: 300,
      diag: () => L.diag(...TABLE_NODES),
    });
    await sleep(1_500);

    const pairs = TABLE_NODES.flatMap((from) => TABLE_NODES.filter((to) => to !== from).flatMap((to) => TABLE_PORTS.map((port) => ({ from, to, port }))));
    // Tunnels first (ICMP is allowed from anyone), so that a refused connect is the firewall's answer.
    for (const { from, to } of pairs.filter((p) => p.port === TABLE_PORTS[0])) await L.waitPing(from, to, 20_000);

    const cases: Case[] = [];
    const queue = [...pairs];
    const worker = async () => {
      for (let next = queue.shift(); next; next = queue.shift()) {
        const q = new URLSearchParams({ from: L.host(next.from).id, to: L.host(next.to).id, proto: "tcp", port: String(next.port) });
        const answer = await L.api.call("GET", `/api/v1/networks/${L.networkId}/reachability?${q}`);
        let observed = await L.connect(next.from, next.to, next.port, 3);
        // A second look at disagreements only, so a lost packet cannot make a mismatch.
        if (observed !== Boolean(answer.allowed)) observed = await L.connect(next.from, next.to, next.port, 3);
        cases.push({ ...next, api: Boolean(answer.allowed), observed, summary: String(answer.summary ?? "") });
      }
    };
    await Promise.all([worker(), worker(), worker(), worker()]);
    const order = (c: Case) => TABLE_NODES.indexOf(c.from) * 100 + TABLE_NODES.indexOf(c.to) * 10 + TABLE_PORTS.indexOf(c.port);
    cases.sort((a, b) => order(a) - order(b));

    const yes = (b: boolean) => (b ? "open" : "closed");
    const lines = [
      `[lab ${v.label}] f. reachability: API vs observed (TCP connect within 3 s)`,
      `  ${"from".padEnd(7)} ${"to".padEnd(7)} ${"port".padEnd(5)} ${"API".padEnd(7)} ${"observed".padEnd(9)} match  summary`,
      ...cases.map((c) => `  ${c.from.padEnd(7)} ${c.to.padEnd(7)} ${String(c.port).padEnd(5)} ${yes(c.api).padEnd(7)} ${yes(c.observed).padEnd(9)} ${c.api === c.observed ? "yes  " : "NO   "}  ${c.summary}`),
    ];
    console.log(lines.join("\n"));
    expect(cases.length).toBeGreaterThanOrEqual(10);
    expect(cases.some((c) => c.api) && cases.some((c) => !c.api), "the table has both open and closed cases").toBe(true);
    const mismatches = cases.filter((c) => c.api !== c.observed);
    expect(mismatches.map((c) => `${c.from} -> ${c.to}:${c.port} API ${yes(c.api)}, observed ${yes(c.observed)}`)).toEqual([]);
  });

  it("g. running the one-liner again on an enrolled host is refused, naming its node, and changes nothing", async () => {
    const h = L.host("web1");
    const joinUrl = (await L.api.call("POST", `/api/v1/networks/${L.networkId}/links`, { maxUses: 1, description: "lab: second try" })).joinUrl as string;
    const command = commandFromPage(await joinPage(joinUrl), "oneliner-root");
    const keyBefore = readFileSync(path.join(h.dir, "host.key"), "utf8");
    const nodesBefore = (await L.api.call("GET", `/api/v1/networks/${L.networkId}/nodes`)).nodes.length;
    const r = await runOneLiner(L.lab, L.lab.node("web1"), { hostname: "web1b", dir: h.dir, command, env: pathWith([v.nebula, v.nebulaCert]), timeoutMs: 60_000 });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      `nebula-commander: this host is already enrolled in /etc/nebula as node 'web1' (${h.ip}) of ${APP_URL}. Nothing was changed. To replace that node, run the same command with --replace (the old node is deleted from its network), or use another --dir.\n`,
    );
    expect(readFileSync(path.join(h.dir, "host.key"), "utf8")).toBe(keyBefore);
    expect((await L.api.call("GET", `/api/v1/networks/${L.networkId}/nodes`)).nodes.length).toBe(nodesBefore);
  });

  it("h. no node credential appears in any process's command line while the agents poll", () => {
    L.sampler.stop();
    console.log(`[lab ${v.label}] h. ${L.sampler.samples} samples of every /proc/*/cmdline, ${L.sampler.pollsSeen} poll commands seen, ${L.sampler.leaks.length} with a credential`);
    expect(L.sampler.pollsSeen, "the sampler saw the one-liner agents' curl runs").toBeGreaterThan(0);
    expect(L.sampler.leaks).toEqual([]);
    // The files that hold it are the owner's alone.
    for (const name of ONE_LINER_HOSTS) {
      expect(statSync(path.join(L.host(name).dir, "nc-credential")).mode & 0o777, `${name} nc-credential`).toBe(0o600);
      expect(statSync(path.join(L.host(name).dir, "host.key")).mode & 0o777, `${name} host.key`).toBe(0o600);
      expect(statSync(L.host(name).dir).mode & 0o777, `${name} directory`).toBe(0o700);
    }
    expect(statSync(path.join(L.host("other1").dir, "agent.json")).mode & 0o777).toBe(0o600);
    expect(statSync(L.host("other1").dir).mode & 0o777).toBe(0o700);
  });

  it("k. both agents' status commands show the network, address, applied revision, certificate expiry, last poll and last error", async () => {
    const sh = await L.lab.exec(L.host("db1").ns, "sh", [path.join(L.host("db1").dir, "nc-agent.sh"), "status", L.host("db1").dir], { timeout: 15_000 });
    const agent = await L.lab.exec(L.host("other1").ns, process.execPath, [L.agentBin, "status", "--dir", L.host("other1").dir, "--nebula-cert", v.nebulaCert], { timeout: 15_000 });
    for (const [who, out, ip] of [["db1", sh, L.host("db1").ip], ["other1", agent, L.host("other1").ip]] as const) {
      expect(out.code, `${who}: ${out.stderr}`).toBe(0);
      expect(out.stdout, who).toContain(ip);
      expect(out.stdout, who).toMatch(/applied revision: \d+/);
      expect(out.stdout, who).toMatch(/nebula: +running, pid \d+/);
      expect(out.stdout, who).toMatch(/certificate: +expires \d{4}-/);
      expect(out.stdout, who).toMatch(/last poll: +\d{4}-/);
      expect(out.stdout, who).toMatch(/last error: +none/);
    }
  });

  it("j. the app says down when nebula stops and offline when the agent stops, within two poll intervals", async () => {
    const stateOf = async (name: NodeName) => (await L.api.call("GET", `/api/v1/networks/${L.networkId}/nodes/${L.host(name).id}`)).node.host.state as string;
    const bound = 2 * SLOWEST_POLL_MS + 3_000;
    // nebula stopped by hand (SIGTERM to its PID), on a one-liner host and an nc-agent host.
    for (const name of ["db1", "other1"] as NodeName[]) {
      expect(await stateOf(name)).toBe("applied");
      process.kill(await L.nebulaPid(name), "SIGTERM");
    }
    const t0 = Date.now();
    await waitFor("db1 and other1 to show nebula down", async () => (await stateOf("db1")) === "down" && (await stateOf("other1")) === "down", { timeoutMs: bound + 5_000, intervalMs: 300, diag: () => L.diag("db1", "other1") });
    const downAfter = Date.now() - t0;
    // The agent itself killed (no chance to say goodbye), on a one-liner host and an nc-agent host; nebula keeps running.
    for (const name of ["web1", "lh1"] as NodeName[]) {
      expect(await stateOf(name)).toBe("applied");
      const agentPid = isOneLiner(name) ? Number(readFileSync(path.join(L.host(name).dir, "agent.pid"), "utf8")) : (await L.lab.pidsIn(L.host(name).ns)).find((p) => readFileSync(`/proc/${p}/cmdline`, "utf8").includes("nc-agent"));
      expect(agentPid, `${name}'s agent pid`).toBeGreaterThan(1);
      process.kill(agentPid!, "SIGKILL");
    }
    const t1 = Date.now();
    await waitFor("web1 and lh1 to show offline", async () => (await stateOf("web1")) === "offline" && (await stateOf("lh1")) === "offline", { timeoutMs: bound + 5_000, intervalMs: 300 });
    const offlineAfter = Date.now() - t1;
    console.log(`[lab ${v.label}] j. nebula stopped -> "down" after ${downAfter} ms; agent killed -> "offline" after ${offlineAfter} ms (bound ${bound} ms)`);
    expect(downAfter).toBeLessThanOrEqual(bound);
    expect(offlineAfter).toBeLessThanOrEqual(bound);
  });
});
