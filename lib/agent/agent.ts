/**
 * The node agent: enroll from a join link with a key pair made here, then keep the node's files
 * current. Changes are written atomically and applied with SIGHUP, or a restart when nebula
 * cannot reload them. When the control plane is unreachable, nebula keeps running the last good
 * config and the agent backs off.
 */
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { loadState, saveState, type AgentState } from "./agent-state";
import { ControlPlaneError, enrollHost, pollConfig, renewCertificate, type ConfigPayload } from "./control-plane";
import { writeAtomic } from "./files";
import type { NebulaRunner } from "./nebula-runner";
import { decideReload, type AppliedState } from "./reload-decision";

const run = promisify(execFile);

export interface AgentOptions {
  dir: string;
  nebulaCert: string;
  log: (message: string) => void;
}

/** A join link is https://host/join/<token>; the server is everything before /join/. */
export function parseJoinLink(link: string): { server: string; token: string } {
  const m = /^(https?:\/\/[^\s]+?)\/join\/(ncj_[A-Za-z0-9_-]{43})\/?$/.exec(link.trim());
  if (!m) throw new Error("That is not a join link (expected https://<server>/join/ncj_...)");
  return { server: m[1]!, token: m[2]! };
}

/** A key pair made on this host with nebula-cert; the private key goes straight to `keyFile`. */
async function keygen(nebulaCert: string, keyFile: string): Promise<string> {
  const tmp = await mkdtemp(path.join(tmpdir(), "nc-agent-"));
  try {
    await run(nebulaCert, ["keygen", "-out-pub", path.join(tmp, "host.pub"), "-out-key", path.join(tmp, "host.key")], { timeout: 20_000 });
    await writeAtomic(keyFile, await readFile(path.join(tmp, "host.key"), "utf8"), 0o600);
    return await readFile(path.join(tmp, "host.pub"), "utf8");
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

async function certIp(nebulaCert: string, certPem: string): Promise<string | null> {
  const tmp = await mkdtemp(path.join(tmpdir(), "nc-agent-"));
  try {
    await writeAtomic(path.join(tmp, "host.crt"), certPem);
    const { stdout } = await run(nebulaCert, ["print", "-json", "-path", path.join(tmp, "host.crt")], { timeout: 20_000 });
    const text = stdout.trim();
    const parsed = (text.startsWith("[") ? JSON.parse(text)[0] : JSON.parse(text.split("\n")[0]!)) as { details: { ips?: string[]; networks?: string[] } };
    return (parsed.details.networks ?? parsed.details.ips ?? [])[0] ?? null;
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

async function currentFiles(dir: string): Promise<{ configYaml: string; caPem: string; certPem: string } | null> {
  try {
    const [configYaml, caPem, certPem] = await Promise.all(["config.yml", "ca.crt", "host.crt"].map((f) => readFile(path.join(dir, f), "utf8")));
    return { configYaml: configYaml!, caPem: caPem!, certPem: certPem! };
  } catch {
    return null;
  }
}

/** Writes the new files (certificates first, config last) and says how nebula must pick them up. */
export async function applyConfig(opts: AgentOptions, payload: ConfigPayload): Promise<ReturnType<typeof decideReload>> {
  const before = await currentFiles(opts.dir);
  const beforeState: AppliedState | null = before ? { ...before, certIp: await certIp(opts.nebulaCert, before.certPem) } : null;
  const after: AppliedState = { configYaml: payload.config, caPem: payload.ca, certPem: payload.certificate, certIp: await certIp(opts.nebulaCert, payload.certificate) };
  const action = decideReload(beforeState, after);
  if (action !== "none") {
    await writeAtomic(path.join(opts.dir, "ca.crt"), payload.ca);
    await writeAtomic(path.join(opts.dir, "host.crt"), payload.certificate);
    await writeAtomic(path.join(opts.dir, "config.yml"), payload.config, 0o600);
  }
  return action;
}

export async function enrollCommand(opts: AgentOptions & { link: string; hostname: string }): Promise<AgentState> {
  const { server, token } = parseJoinLink(opts.link);
  const publicKeyPem = await keygen(opts.nebulaCert, path.join(opts.dir, "host.key"));
  const enrolled = await enrollHost(server, { token, hostname: opts.hostname, publicKeyPem });
  const state: AgentState = { server, credential: enrolled.credential, nodeId: enrolled.nodeId, name: enrolled.name, etag: null, pollSeconds: 60 };
  await saveState(opts.dir, state);
  opts.log(`enrolled as ${enrolled.name} (${enrolled.ip})${enrolled.status === "pending" ? ", waiting for approval" : ""}`);
  const first = await pollConfig(server, state.credential, null, opts.dir);
  if (first.kind === "config") {
    await applyConfig(opts, first.payload);
    state.etag = first.payload.etag;
    state.pollSeconds = first.payload.pollSeconds;
    await saveState(opts.dir, state);
    opts.log(`wrote ${path.join(opts.dir, "config.yml")}, ca.crt, host.crt and host.key`);
  }
  return state;
}

/** Makes a new key pair, has it signed, and swaps key, certificate and credential in. */
async function renew(opts: AgentOptions, state: AgentState): Promise<void> {
  const newKey = path.join(opts.dir, "host.key.new");
  const publicKeyPem = await keygen(opts.nebulaCert, newKey);
  const renewed = await renewCertificate(state.server, state.credential, publicKeyPem);
  // The credential rotated server-side: persist it before anything else can fail.
  state.credential = renewed.credential;
  state.etag = null;
  await saveState(opts.dir, state);
  await writeAtomic(path.join(opts.dir, "host.key"), await readFile(newKey, "utf8"), 0o600);
  await rm(newKey, { force: true });
  await writeAtomic(path.join(opts.dir, "host.crt"), renewed.certificate);
  opts.log("certificate renewed with a new key pair");
}

export interface RunOptions extends AgentOptions {
  nebula: NebulaRunner;
  intervalSeconds?: number;
  /** Stop after this many polls (tests); unbounded otherwise. */
  maxPolls?: number;
  signal?: AbortSignal;
}

/** One poll: fetch, write, reload or restart, renew when due. Returns the seconds to wait next. */
export async function pollOnce(opts: RunOptions, state: AgentState): Promise<void> {
  const outcome = await pollConfig(state.server, state.credential, state.etag, opts.dir);
  if (outcome.kind === "pending") return opts.log("still waiting for approval");
  if (outcome.kind === "unchanged") {
    if (!opts.nebula.pid()) await opts.nebula.start();
    return;
  }
  const action = await applyConfig(opts, outcome.payload);
  state.etag = outcome.payload.etag;
  state.pollSeconds = outcome.payload.pollSeconds;
  await saveState(opts.dir, state);
  if (action === "restart" || !opts.nebula.pid()) await opts.nebula.restart();
  else if (action === "reload") await opts.nebula.reload();
  if (outcome.payload.renewalDue) {
    await renew(opts, state);
    await opts.nebula.reload(); // same IP, so the new key and certificate load with SIGHUP
  }
}

/** Waits, or stops waiting when aborted; the listener goes with the timer, so polls do not pile them up. */
const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const onAbort = () => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });

export async function runCommand(opts: RunOptions): Promise<void> {
  const state = await loadState(opts.dir);
  if (await currentFiles(opts.dir)) await opts.nebula.start();
  let failures = 0;
  for (let polls = 0; opts.maxPolls === undefined || polls < opts.maxPolls; polls++) {
    if (opts.signal?.aborted) break;
    try {
      await pollOnce(opts, state);
      failures = 0;
    } catch (error) {
      failures++;
      const why = error instanceof ControlPlaneError ? `${error.status}: ${error.message}` : error instanceof Error ? error.message : String(error);
      // The data plane does not depend on us: nebula keeps its last good config while we back off.
      opts.log(`poll failed (${why}); keeping the current config`);
    }
    const interval = opts.intervalSeconds ?? state.pollSeconds;
    const backoff = failures ? Math.min(300, interval * 2 ** Math.min(failures, 5)) : interval;
    const jitter = backoff * (0.9 + Math.random() * 0.2);
    await sleep(jitter * 1000, opts.signal);
  }
}
