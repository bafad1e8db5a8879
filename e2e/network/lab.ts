/**
 * The network lab: one Linux bridge in the root namespace (10.213.0.1/24, where the app is reached)
 * and one network namespace per node, joined to the bridge by a veth pair (10.213.0.<k>/24 inside).
 * Everything is built with `ip` through execFile (argument arrays, never a shell, always a timeout)
 * and torn down by PID and by name, on success, on failure, on exit and on SIGINT/SIGTERM.
 *
 * A state file lists what each lab created and which process owns it. A later run deletes
 * leftovers when that file says they were made by a lab whose owner is gone. The file is
 * machine-wide, like the bridge and the namespaces it describes, so a run in one checkout cleans
 * up after a killed run in another. A bridge of the lab's shape that no record names (a checkout
 * whose record is lost) is deleted only when no process is left in its namespaces. Nothing of
 * another shape is ever touched.
 */
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { capture, captureOrThrow, type CaptureOptions, type CaptureResult } from "../../scripts/lib/processes";

export const UNDERLAY_PREFIX = "10.213.0";
export const UNDERLAY_HOST = `${UNDERLAY_PREFIX}.1`;
const UNDERLAY_BITS = 24;

/**
 * Default place of the state file; LAB_STATE_FILE overrides it. Beside /run/netns, not in the
 * checkout: the bridge and namespaces belong to the machine, and a CI machine may start from a
 * snapshot that holds a killed run's lab, made from a different clone.
 */
export const DEFAULT_STATE_FILE = "/run/nebula-commander-lab/state.json";

const IP_BIN = ["/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip", "/bin/ip"].find((p) => existsSync(p)) ?? "ip";
const IPTABLES_BIN = ["/usr/sbin/iptables", "/sbin/iptables"].find((p) => existsSync(p)) ?? null;
const CMD_TIMEOUT_MS = 15_000;

// Only names of these shapes are ever deleted, whatever a state file says.
const NS_RE = /^nc-[0-9a-f]{6}-[a-z0-9]{1,20}$/;
const BRIDGE_RE = /^ncbr[0-9a-f]{6}$/;
const VETH_RE = /^ncv[0-9a-f]{6}\d{1,2}$/;
const TMP_RE = /^nc-lab-[A-Za-z0-9]{6}$/;

export type ExecResult = CaptureResult;

export interface LabNode {
  name: string;
  ns: string;
  /** Underlay address inside the namespace (on eth0). */
  ip: string;
  hostVeth: string;
}

interface LabRecord {
  id: string;
  ownerPid: number;
  /** /proc/<pid>/stat start time, so a recycled PID is not mistaken for the owner. */
  ownerStart: string;
  createdAt: string;
  bridge: string;
  namespaces: string[];
  hostVeths: string[];
  tmpDir: string;
  pids: number[];
  /** Whether an ACCEPT rule for the bridge was put in iptables' FORWARD chain (see allowBridgedTraffic). */
  forwardRule?: boolean;
}

interface StateFile {
  version: 1;
  labs: LabRecord[];
}

/** Runs a command and never throws: failures come back as a non-zero code (lab commands time out soon). */
export function run(cmd: string, args: string[], opts: CaptureOptions = {}): Promise<ExecResult> {
  return capture(cmd, args, { ...opts, timeout: opts.timeout ?? CMD_TIMEOUT_MS });
}

/** `run`, but a non-zero exit throws with the command's output; resolves with its stdout. */
export function runOrThrow(cmd: string, args: string[], opts: CaptureOptions = {}): Promise<string> {
  return captureOrThrow(cmd, args, { ...opts, timeout: opts.timeout ?? CMD_TIMEOUT_MS });
}

async function ip(args: string[]): Promise<string> {
  const r = await run(IP_BIN, args);
  if (r.code !== 0) throw new Error(`ip ${args.join(" ")} failed (${r.code}${r.timedOut ? ", timed out" : ""}): ${r.stderr.trim()}`);
  return r.stdout;
}

/** Synchronous `ip`, for teardown from an exit handler. Returns null on failure. */
function ipSync(args: string[]): string | null {
  try {
    return execFileSync(IP_BIN, args, { timeout: CMD_TIMEOUT_MS, killSignal: "SIGKILL", stdio: ["ignore", "pipe", "pipe"] }).toString();
  } catch {
    return null;
  }
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function procStart(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the command (which may hold spaces) start after the last ')'; start time is field 22.
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19] ?? null;
  } catch {
    return null;
  }
}

/** Alive and not a zombie. */
function isRunning(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const state = stat.slice(stat.lastIndexOf(")") + 2).split(" ")[0];
    return state !== "Z" && state !== "X";
  } catch {
    return false;
  }
}

function kill(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    /* already gone */
  }
}

/** SIGTERM, up to `graceMs` to go, then SIGKILL and up to 3 s more. Returns the PIDs that survived. */
function killPidsSync(pids: number[], graceMs = 5_000): number[] {
  const targets = [...new Set(pids)].filter((p) => Number.isInteger(p) && p > 1 && p !== process.pid && isRunning(p));
  for (const p of targets) kill(p, "SIGTERM");
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline && targets.some(isRunning)) sleepSync(100);
  const stubborn = targets.filter(isRunning);
  for (const p of stubborn) kill(p, "SIGKILL");
  const killDeadline = Date.now() + 3_000;
  while (Date.now() < killDeadline && stubborn.some(isRunning)) sleepSync(100);
  return stubborn.filter(isRunning);
}

function nsPidsSync(ns: string): number[] {
  const out = ipSync(["netns", "pids", ns]);
  return out ? out.split(/\s+/).filter(Boolean).map(Number).filter(Number.isInteger) : [];
}

/** The network namespaces' names ("nc-ab12cd-web1 (id: 3)" lines from `ip netns list`). */
function namespaceNamesSync(): string[] {
  return (ipSync(["netns", "list"]) ?? "").split("\n").map((l) => l.split(" ")[0] ?? "").filter(Boolean);
}

function nsExistsSync(ns: string): boolean {
  return namespaceNamesSync().includes(ns);
}

function linkExistsSync(name: string): boolean {
  return ipSync(["link", "show", "dev", name]) !== null;
}

/** Deletes a link; true when it is gone. A veth also goes away by itself, a moment after its namespace. */
function deleteLinkSync(name: string): boolean {
  for (let i = 0; i < 10 && linkExistsSync(name); i++) {
    if (ipSync(["link", "delete", "dev", name]) !== null) return true;
    sleepSync(200);
  }
  return !linkExistsSync(name);
}

/** Tears down everything a record lists (only names of our shapes). `extraPids` are processes we started ourselves. Returns problems. */
function destroyRecordSync(rec: LabRecord, extraPids: number[] = []): string[] {
  const problems: string[] = [];
  const namespaces = rec.namespaces.filter((n) => NS_RE.test(n));
  // Kill twice: a process may fork while the first round is going on.
  for (let round = 0; round < 2; round++) {
    const pids = [...(round === 0 ? extraPids : []), ...namespaces.flatMap(nsPidsSync)];
    if (!pids.length) break;
    const left = killPidsSync(pids);
    if (left.length && round === 1) problems.push(`processes would not die: ${left.join(", ")}`);
  }
  for (const ns of namespaces) {
    if (nsExistsSync(ns) && ipSync(["netns", "delete", ns]) === null && nsExistsSync(ns)) problems.push(`could not delete namespace ${ns}`);
  }
  for (const veth of rec.hostVeths.filter((v) => VETH_RE.test(v))) {
    if (!deleteLinkSync(veth)) problems.push(`could not delete link ${veth}`);
  }
  if (BRIDGE_RE.test(rec.bridge) && !deleteLinkSync(rec.bridge)) problems.push(`could not delete bridge ${rec.bridge}`);
  if (rec.forwardRule && BRIDGE_RE.test(rec.bridge) && IPTABLES_BIN) {
    for (let i = 0; i < 5; i++) {
      try {
        execFileSync(IPTABLES_BIN, ["-D", ...forwardRuleSpec(rec.bridge)], { timeout: CMD_TIMEOUT_MS, stdio: "ignore" });
      } catch {
        break;
      }
    }
  }
  if (rec.tmpDir && path.dirname(rec.tmpDir) === os.tmpdir() && TMP_RE.test(path.basename(rec.tmpDir)) && !process.env.LAB_KEEP_LOGS) {
    rmSync(rec.tmpDir, { recursive: true, force: true });
  }
  return problems;
}

/**
 * Docker (started for the container tests) loads br_netfilter and sets iptables' FORWARD policy to
 * DROP, which then also drops frames bridged between the lab's namespaces. One ACCEPT rule for
 * traffic within our own bridge, removed with it, keeps the lab independent of what else runs here.
 */
const forwardRuleSpec = (bridge: string) => ["FORWARD", "-i", bridge, "-o", bridge, "-j", "ACCEPT"];

function bridgedTrafficIsFiltered(): boolean {
  try {
    return readFileSync("/proc/sys/net/bridge/bridge-nf-call-iptables", "utf8").trim() === "1";
  } catch {
    return false;
  }
}

// ---- the state file ----------------------------------------------------------------------------

function stateFilePath(): string {
  return process.env.LAB_STATE_FILE ?? DEFAULT_STATE_FILE;
}

function readState(): StateFile {
  try {
    const parsed = JSON.parse(readFileSync(stateFilePath(), "utf8")) as StateFile;
    if (parsed.version === 1 && Array.isArray(parsed.labs)) return parsed;
  } catch {
    /* missing or unreadable: nothing is known to be ours */
  }
  return { version: 1, labs: [] };
}

function writeState(state: StateFile): void {
  const file = stateFilePath();
  mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, JSON.stringify(state, null, 2));
  renameSync(tmp, file);
}

function updateRecord(rec: LabRecord): void {
  const state = readState();
  state.labs = [...state.labs.filter((l) => l.id !== rec.id), rec];
  writeState(state);
}

function dropRecord(id: string): void {
  const state = readState();
  state.labs = state.labs.filter((l) => l.id !== id);
  writeState(state);
}

function ownerAlive(rec: LabRecord): boolean {
  return procStart(rec.ownerPid) === rec.ownerStart;
}

/** Names of the links of one type (`bridge`, `veth`) in the root namespace. */
function linkNamesSync(type: string): string[] {
  const out = ipSync(["-o", "link", "show", "type", type]) ?? "";
  // "254: ncbrb4917f: <BROADCAST,...>" or "9: ncvb4917f0@if2: <...>"
  return out.split("\n").map((l) => l.split(": ")[1]?.split("@")[0] ?? "").filter(Boolean);
}

/**
 * Labs whose bridge or namespaces exist but which no record names: made by a run whose state file
 * is gone or lived elsewhere. Rebuilt from the names alone, which carry the lab's id.
 */
function unrecordedLabsSync(state: StateFile): LabRecord[] {
  const known = new Set(state.labs.map((l) => l.id));
  const namespaces = namespaceNamesSync().filter((n) => NS_RE.test(n));
  const bridges = linkNamesSync("bridge").filter((b) => BRIDGE_RE.test(b));
  const veths = linkNamesSync("veth").filter((v) => VETH_RE.test(v));
  const ids = new Set([...bridges.map((b) => b.slice("ncbr".length)), ...namespaces.map((n) => n.split("-")[1] ?? "")]);
  return [...ids]
    .filter((id) => /^[0-9a-f]{6}$/.test(id) && !known.has(id))
    .map((id) => ({
      id,
      ownerPid: 0,
      ownerStart: "",
      createdAt: "unknown",
      bridge: `ncbr${id}`,
      namespaces: namespaces.filter((n) => n.startsWith(`nc-${id}-`)),
      hostVeths: veths.filter((v) => v.startsWith(`ncv${id}`)),
      tmpDir: "",
      pids: [],
      // Whether the rule was added is unknown; deleting one that is not there is harmless.
      forwardRule: true,
    }));
}

/**
 * Deletes what labs of earlier runs left behind, when the state file says they were ours and
 * their owner process is gone. A lab whose owner still runs in another process is a concurrent
 * run: it is left alone and reported, since it holds the same underlay addresses. Then the same
 * for labs no record names, judged by whether any process is left in their namespaces.
 */
export function sweepLeftovers(log: (m: string) => void = console.log): void {
  const state = readState();
  const mine = procStart(process.pid);
  for (const rec of state.labs) {
    if (rec.ownerPid === process.pid && rec.ownerStart === mine) continue;
    if (ownerAlive(rec)) {
      throw new Error(`another network lab (pid ${rec.ownerPid}, bridge ${rec.bridge}) is still running; it uses the same ${UNDERLAY_PREFIX}.0/24 underlay`);
    }
    log(`[lab] removing leftovers of an earlier run (pid ${rec.ownerPid}, ${rec.createdAt}): ${[rec.bridge, ...rec.namespaces].join(", ")}`);
    const problems = destroyRecordSync(rec);
    if (problems.length) throw new Error(`could not remove an earlier lab's leftovers: ${problems.join("; ")}`);
    dropRecord(rec.id);
  }
  for (const rec of unrecordedLabsSync(readState())) {
    // Without a record there is no owner to ask; a process still inside means a run is going on.
    const pids = rec.namespaces.flatMap(nsPidsSync);
    if (pids.length) {
      throw new Error(`bridge ${rec.bridge} has the network lab's shape but is not in ${stateFilePath()}, and processes ${pids.join(", ")} still run in its namespaces: another checkout's lab is running`);
    }
    log(`[lab] removing leftovers no state file names (no process left in them): ${[rec.bridge, ...rec.namespaces].join(", ")}`);
    const problems = destroyRecordSync(rec);
    if (problems.length) throw new Error(`could not remove an unrecorded lab's leftovers: ${problems.join("; ")}`);
  }
}

// ---- exit handling -----------------------------------------------------------------------------

const liveLabs = new Set<Lab>();
let handlersInstalled = false;

function onExit() {
  for (const lab of [...liveLabs]) lab.destroy();
}
function onSignal(signal: NodeJS.Signals) {
  onExit();
  process.exit(signal === "SIGINT" ? 130 : 143);
}

function installHandlers() {
  if (handlersInstalled) return;
  handlersInstalled = true;
  process.on("exit", onExit);
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
}

function removeHandlersIfIdle() {
  if (!handlersInstalled || liveLabs.size) return;
  handlersInstalled = false;
  process.off("exit", onExit);
  process.off("SIGINT", onSignal);
  process.off("SIGTERM", onSignal);
}

// ---- the lab -----------------------------------------------------------------------------------

export class Lab {
  readonly nodes = new Map<string, LabNode>();
  private readonly children: ChildProcess[] = [];
  private destroyed = false;

  private constructor(
    private readonly rec: LabRecord,
    readonly tmpDir: string,
  ) {}

  get id(): string {
    return this.rec.id;
  }
  get bridge(): string {
    return this.rec.bridge;
  }

  /**
   * Builds the bridge and one namespace per name. Names must be short lowercase hostnames. On any
   * failure, what was already made is torn down before the error is thrown.
   */
  static async create(names: string[], log: (m: string) => void = console.log): Promise<Lab> {
    if (process.getuid?.() !== 0) throw new Error("the network lab needs root (network namespaces, bridges, /dev/net/tun)");
    if (!existsSync("/dev/net/tun")) throw new Error("/dev/net/tun is missing: nebula cannot create its tun device");
    if (names.length > 18) throw new Error("at most 18 nodes (10.213.0.2-19; attachProcess uses .20 and up)");
    sweepLeftovers(log);
    const taken = await ip(["-o", "-4", "addr", "show"]);
    if (taken.includes(` inet ${UNDERLAY_PREFIX}.`)) throw new Error(`${UNDERLAY_PREFIX}.0/24 is already in use in the root namespace:\n${taken}`);

    const id = randomBytes(3).toString("hex");
    const tmpDir = mkdtempSync(path.join(os.tmpdir(), "nc-lab-"));
    const rec: LabRecord = {
      id,
      ownerPid: process.pid,
      ownerStart: procStart(process.pid) ?? "",
      createdAt: new Date().toISOString(),
      bridge: `ncbr${id}`,
      namespaces: [],
      hostVeths: [],
      tmpDir,
      pids: [],
    };
    const lab = new Lab(rec, tmpDir);
    liveLabs.add(lab);
    installHandlers();
    // Recorded before anything is made, so a crash half-way is still cleaned up by the next run.
    updateRecord(rec);
    try {
      await ip(["link", "add", "name", rec.bridge, "type", "bridge"]);
      await ip(["addr", "add", `${UNDERLAY_HOST}/${UNDERLAY_BITS}`, "dev", rec.bridge]);
      await ip(["link", "set", "dev", rec.bridge, "up"]);
      if (IPTABLES_BIN && bridgedTrafficIsFiltered()) {
        rec.forwardRule = true;
        updateRecord(rec);
        const r = await run(IPTABLES_BIN, ["-I", ...forwardRuleSpec(rec.bridge)]);
        if (r.code !== 0) throw new Error(`iptables -I ${forwardRuleSpec(rec.bridge).join(" ")} failed: ${r.stderr}`);
      }
      for (const [i, name] of names.entries()) {
        if (!/^[a-z0-9]{1,20}$/.test(name)) throw new Error(`node name ${JSON.stringify(name)}: use 1-20 lowercase letters or digits`);
        const ns = `nc-${id}-${name}`;
        const hostVeth = `ncv${id}${i}`;
        const nodeIp = `${UNDERLAY_PREFIX}.${i + 2}`;
        rec.namespaces.push(ns);
        rec.hostVeths.push(hostVeth);
        updateRecord(rec);
        await ip(["netns", "add", ns]);
        await ip(["link", "add", "name", hostVeth, "type", "veth", "peer", "name", "eth0", "netns", ns]);
        await ip(["link", "set", "dev", hostVeth, "master", rec.bridge]);
        await ip(["link", "set", "dev", hostVeth, "up"]);
        await ip(["-n", ns, "addr", "add", `${nodeIp}/${UNDERLAY_BITS}`, "dev", "eth0"]);
        await ip(["-n", ns, "link", "set", "dev", "eth0", "up"]);
        await ip(["-n", ns, "link", "set", "dev", "lo", "up"]);
        lab.nodes.set(name, { name, ns, ip: nodeIp, hostVeth });
      }
      // The underlay must work before anything else is tried.
      for (const node of lab.nodes.values()) {
        const ping = await lab.exec(node.ns, "ping", ["-c", "1", "-W", "2", UNDERLAY_HOST], { timeout: 5_000 });
        if (ping.code !== 0) throw new Error(`${node.name} (${node.ip}) cannot reach ${UNDERLAY_HOST} on the bridge: ${ping.stdout}${ping.stderr}`);
      }
    } catch (error) {
      lab.destroy();
      throw error;
    }
    log(`[lab] ${lab.id}: bridge ${rec.bridge} (${UNDERLAY_HOST}/24), ${[...lab.nodes.values()].map((n) => `${n.ns}=${n.ip}`).join(", ")}`);
    return lab;
  }

  node(name: string): LabNode {
    const n = this.nodes.get(name);
    if (!n) throw new Error(`no lab node ${name}`);
    return n;
  }

  /**
   * Joins a process's network namespace that someone else made (a container's) to the bridge: a
   * veth pair whose peer moves into /proc/<pid>/ns/net as eth<slot>, with 10.213.0.<slot>/24. The
   * host end is recorded, so teardown deletes it; the peer goes with the namespace.
   */
  async attachProcess(pid: number, slot: number): Promise<{ ip: string; hostVeth: string }> {
    if (slot < 20 || slot > 99) throw new Error("attach slots are 20..99, apart from the lab's own nodes");
    const hostVeth = `ncv${this.rec.id}${slot}`;
    const peer = `ncp${this.rec.id}${slot}`;
    const nodeIp = `${UNDERLAY_PREFIX}.${slot}`;
    this.rec.hostVeths.push(hostVeth);
    updateRecord(this.rec);
    await ip(["link", "add", "name", hostVeth, "type", "veth", "peer", "name", peer]);
    await ip(["link", "set", "dev", hostVeth, "master", this.rec.bridge]);
    await ip(["link", "set", "dev", hostVeth, "up"]);
    await ip(["link", "set", "dev", peer, "netns", String(pid)]);
    const inside = async (args: string[]) => {
      const r = await run("nsenter", ["--target", String(pid), "--net", IP_BIN, ...args]);
      if (r.code !== 0) throw new Error(`nsenter ${pid} ip ${args.join(" ")} failed: ${r.stderr}`);
    };
    await inside(["link", "set", "dev", peer, "name", `eth${slot}`]);
    await inside(["addr", "add", `${nodeIp}/${UNDERLAY_BITS}`, "dev", `eth${slot}`]);
    await inside(["link", "set", "dev", `eth${slot}`, "up"]);
    await inside(["link", "set", "dev", "lo", "up"]);
    return { ip: nodeIp, hostVeth };
  }

  /**
   * A network behind the lab node `router`, the way a LAN sits behind a host that routes it: a new
   * namespace `name` joined to the router by a veth pair of its own (not the bridge), with
   * `<prefix>.1/24` on the router (lan0), `<prefix>.2/24` inside, a default route back through
   * the router, and IP forwarding on in the router's namespace. Torn down with the lab (the
   * namespace is recorded; the veth pair goes with it).
   */
  async addSubnet(router: string, name: string, prefix: string): Promise<LabNode> {
    if (!/^[a-z0-9]{1,20}$/.test(name)) throw new Error(`subnet name ${JSON.stringify(name)}: use 1-20 lowercase letters or digits`);
    if (!/^\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(prefix)) throw new Error(`prefix ${prefix}: three octets, e.g. 192.168.77`);
    const gw = this.node(router);
    const ns = `nc-${this.rec.id}-${name}`;
    this.rec.namespaces.push(ns);
    updateRecord(this.rec);
    await ip(["netns", "add", ns]);
    await ip(["-n", gw.ns, "link", "add", "name", "lan0", "type", "veth", "peer", "name", "eth0", "netns", ns]);
    await ip(["-n", gw.ns, "addr", "add", `${prefix}.1/24`, "dev", "lan0"]);
    await ip(["-n", gw.ns, "link", "set", "dev", "lan0", "up"]);
    await ip(["-n", ns, "addr", "add", `${prefix}.2/24`, "dev", "eth0"]);
    await ip(["-n", ns, "link", "set", "dev", "eth0", "up"]);
    await ip(["-n", ns, "link", "set", "dev", "lo", "up"]);
    await ip(["-n", ns, "route", "add", "default", "via", `${prefix}.1`]);
    const fwd = await this.exec(gw.ns, "sysctl", ["-w", "net.ipv4.ip_forward=1"], { timeout: CMD_TIMEOUT_MS });
    if (fwd.code !== 0) throw new Error(`sysctl net.ipv4.ip_forward=1 in ${gw.ns} failed: ${fwd.stderr}`);
    const node: LabNode = { name, ns, ip: `${prefix}.2`, hostVeth: "" };
    this.nodes.set(name, node);
    return node;
  }

  /** `ip netns exec <ns> <cmd> <args...>`, bounded by `timeout`; never throws. */
  exec(ns: string, cmd: string, args: string[], opts: { timeout: number; env?: NodeJS.ProcessEnv }): Promise<ExecResult> {
    return run(IP_BIN, ["netns", "exec", ns, cmd, ...args], opts);
  }

  /**
   * Starts a long-running process inside `ns` (ip netns exec execs the command, so the child's PID
   * is the command's). Output goes straight to `logFile`, so it survives this process.
   */
  spawnIn(ns: string, cmd: string, args: string[], opts: { logFile: string; cwd?: string; env?: NodeJS.ProcessEnv }): ChildProcess {
    if (this.destroyed) throw new Error("the lab is destroyed");
    mkdirSync(path.dirname(opts.logFile), { recursive: true });
    const fd = openSync(opts.logFile, "a");
    try {
      const child = spawn(IP_BIN, ["netns", "exec", ns, cmd, ...args], { cwd: opts.cwd, env: opts.env ?? process.env, stdio: ["ignore", fd, fd] });
      child.on("error", () => {
        /* reported through its exit code */
      });
      if (child.pid) {
        this.children.push(child);
        this.rec.pids.push(child.pid);
        updateRecord(this.rec);
      }
      return child;
    } finally {
      closeSync(fd);
    }
  }

  /** `ip netns pids <ns>`. */
  async pidsIn(ns: string): Promise<number[]> {
    const r = await run(IP_BIN, ["netns", "pids", ns]);
    return r.code === 0 ? r.stdout.split(/\s+/).filter(Boolean).map(Number) : [];
  }

  /** Stops a process we started, by PID (SIGTERM, then SIGKILL). */
  stopChild(child: ChildProcess, graceMs = 5_000): void {
    if (child.pid && child.exitCode === null && child.signalCode === null) killPidsSync([child.pid], graceMs);
  }

  /**
   * Kills our processes and every process in our namespaces by PID, then deletes the namespaces,
   * veths, bridge and temp dir. Synchronous, so it also works from an 'exit' handler. Idempotent.
   */
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    const own = this.children.filter((c) => c.exitCode === null && c.signalCode === null && c.pid).map((c) => c.pid!);
    const problems = destroyRecordSync(this.rec, own);
    liveLabs.delete(this);
    removeHandlersIfIdle();
    if (problems.length) {
      // Left in the state file, so that the next run retries.
      console.error(`[lab] ${this.id}: teardown incomplete: ${problems.join("; ")}`);
      return;
    }
    dropRecord(this.rec.id);
  }
}
