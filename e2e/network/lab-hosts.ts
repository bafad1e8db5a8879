/**
 * Enrolling lab nodes the two ways people enroll hosts, shared by the lab suites and the
 * enforcement benchmark: the join page's one-liner, run as it is, and nc-agent.
 */
import type { ChildProcess } from "node:child_process";
import { mkdirSync, statSync } from "node:fs";
import path from "node:path";
import { run, type ExecResult, type Lab, type LabNode } from "./lab";
import { commandFromPage, joinPage } from "./lab-api";

/**
 * nc-agent as a person gets it: the join page's own download commands, checksum included, run in
 * `node`'s namespace. They install to /usr/local/bin, so they run in a mount namespace where that
 * is a folder of the lab's. Returns the agent's path.
 */
export async function downloadAgentAsPageSays(lab: Lab, node: LabNode, joinUrl: string): Promise<string> {
  const download = commandFromPage(await joinPage(joinUrl), "agent-download");
  if (!download.includes("sha256sum -c")) throw new Error(`the join page's download command has no checksum: ${download}`);
  const binDir = path.join(lab.tmpDir, "usr-local-bin");
  mkdirSync(binDir, { recursive: true });
  const fetched = await lab.exec(node.ns, "unshare", ["--mount", "--propagation", "private", "sh", "-c", `mount --bind ${binDir} /usr/local/bin && ${download.replace(/\n/g, " && ")}`], { timeout: 60_000 });
  if (fetched.code !== 0) throw new Error(`downloading nc-agent as the join page says failed (${fetched.code}):\n${download}\n${fetched.stdout}${fetched.stderr}`);
  const agentBin = path.join(binDir, "nc-agent");
  if ((statSync(agentBin).mode & 0o111) === 0) throw new Error("the downloaded nc-agent is not executable");
  return agentBin;
}

/** PATH with the given nebula binaries first, as on a host where that release is installed. */
export function pathWith(nebulaBins: string[]): NodeJS.ProcessEnv {
  const dirs = [...new Set(nebulaBins.map((b) => path.dirname(b)))];
  return { ...process.env, PATH: `${dirs.join(":")}:${process.env.PATH ?? "/usr/bin:/bin"}` };
}

/**
 * Runs `command` (the one-liner read from the join page) as it is, in the node's namespace and in
 * UTS and mount namespaces of its own: the host is called `hostname`, and its /etc/nebula is `dir`,
 * so several hosts share this machine without touching its real /etc/nebula.
 */
export function runOneLiner(lab: Lab, node: LabNode, opts: { hostname: string; dir: string; command: string; env: NodeJS.ProcessEnv; timeoutMs?: number }): Promise<ExecResult> {
  mkdirSync(opts.dir, { recursive: true, mode: 0o700 });
  const script = `hostname ${opts.hostname} && mount --bind ${opts.dir} /etc/nebula && ${opts.command}`;
  return lab.exec(node.ns, "unshare", ["--uts", "--mount", "--propagation", "private", "sh", "-c", script], { timeout: opts.timeoutMs ?? 120_000, env: opts.env });
}

export function enrollWithAgent(lab: Lab, node: LabNode, opts: { agentBin: string; joinUrl: string; dir: string; hostname: string; nebulaCert: string }): Promise<ExecResult> {
  return lab.exec(node.ns, process.execPath, [opts.agentBin, "enroll", opts.joinUrl, "--dir", opts.dir, "--hostname", opts.hostname, "--nebula-cert", opts.nebulaCert, "--insecure-http"], { timeout: 90_000 });
}

/** `nc-agent run` in the node's namespace, its output in <dir>/agent.log. */
export function startAgent(lab: Lab, node: LabNode, opts: { agentBin: string; dir: string; nebula: string; nebulaCert: string; cwd: string }): ChildProcess {
  return lab.spawnIn(node.ns, process.execPath, [opts.agentBin, "run", "--dir", opts.dir, "--nebula", opts.nebula, "--nebula-cert", opts.nebulaCert], { logFile: path.join(opts.dir, "agent.log"), cwd: opts.cwd });
}

/** TCP listeners on every address of the node, so the overlay address is covered once nebula is up. */
export function startListeners(lab: Lab, node: LabNode, ports: number[], logFile: string): ChildProcess {
  const server = `const net=require("net");for(const p of [${ports.join(",")}])net.createServer(s=>s.end()).listen(p,"0.0.0.0",()=>console.log("listening",p));`;
  return lab.spawnIn(node.ns, process.execPath, ["-e", server], { logFile });
}

/** `nc -z` from a node: does a TCP connection open within `seconds`? */
export async function tcpConnects(lab: Lab, node: LabNode, ip: string, port: number, seconds = 3): Promise<boolean> {
  const r = await lab.exec(node.ns, "nc", ["-z", "-w", String(seconds), ip, String(port)], { timeout: (seconds + 5) * 1000 });
  return r.code === 0;
}

/** The version a nebula binary reports (`nebula -version`). */
export async function nebulaVersionOf(bin: string): Promise<{ major: number; minor: number; text: string }> {
  const r = await run(bin, ["-version"], { timeout: 10_000 });
  const m = /(\d+)\.(\d+)\.(\d+)/.exec(r.stdout);
  if (!m) throw new Error(`${bin} -version said: ${r.stdout}${r.stderr}`);
  return { major: Number(m[1]), minor: Number(m[2]), text: m[0] };
}
