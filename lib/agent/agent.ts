/**
 * The node agent: enroll from a join link with a key pair made here, then keep the node's files
 * current. A new bundle is written, checked with `nebula -test`, and applied with SIGHUP or a
 * restart (the server's restart key decides, exactly as for the one-liner's agent); a bundle nebula
 * refuses is rolled back. Every poll reports what was fetched, what nebula accepted, whether it
 * runs and the last error, so the app shows what the host confirmed. When the control plane is
 * unreachable, nebula keeps running the last good config and the agent backs off.
 */
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { chmod, mkdir, mkdtemp, readFile, rm, rmdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { freshState, loadState, saveState, stateFile, type AgentState } from "./agent-state";
import { checkServerUrl, ControlPlaneError, enrollHost, pollConfig, renewCertificate, retireNode, type ConfigPayload, type Report } from "./control-plane";
import { writeAtomic } from "./files";
import type { NebulaRunner } from "./nebula-runner";
import { AGENT_VERSION, BLOCKED_MESSAGE, clampPollSeconds, EXIT, GONE_MESSAGE, headerSafe } from "./protocol";
import { decideReload } from "./reload-decision";

const run = promisify(execFile);
const FILES = ["config.yml", "ca.crt", "host.crt"] as const;
export const AGENT_ID = `nc-agent/${AGENT_VERSION}`;

export interface AgentOptions {
  dir: string;
  nebulaCert: string;
  log: (message: string) => void;
}

/** An error that ends the agent with a given exit code (blocked, gone, usage). */
export class AgentExit extends Error {
  constructor(
    message: string,
    readonly code: number,
  ) {
    super(message);
  }
}

/** A join link is https://host/join/<token>; the server is everything before /join/. */
export function parseJoinLink(link: string): { server: string; token: string } {
  const m = /^(https?:\/\/[^\s/]+(?:\/[^\s]*?)?)\/join\/(ncj_[A-Za-z0-9_-]{43})\/?$/.exec(link.trim());
  if (!m) throw new AgentExit("That is not a join link (expected https://<server>/join/ncj_...)", EXIT.usage);
  return { server: m[1]!, token: m[2]! };
}

/** A key pair made on this host with nebula-cert, in a private temp dir. */
async function keygen(nebulaCert: string): Promise<{ publicKeyPem: string; privateKeyPem: string }> {
  const tmp = await mkdtemp(path.join(tmpdir(), "nc-agent-"));
  try {
    await run(nebulaCert, ["keygen", "-out-pub", path.join(tmp, "host.pub"), "-out-key", path.join(tmp, "host.key")], { timeout: 20_000 });
    return { publicKeyPem: await readFile(path.join(tmp, "host.pub"), "utf8"), privateKeyPem: await readFile(path.join(tmp, "host.key"), "utf8") };
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

async function readFiles(dir: string): Promise<Record<(typeof FILES)[number], string> | null> {
  try {
    const [config, ca, cert] = await Promise.all(FILES.map((f) => readFile(path.join(dir, f), "utf8")));
    return { "config.yml": config!, "ca.crt": ca!, "host.crt": cert! };
  } catch {
    return null;
  }
}

async function writeFiles(dir: string, files: Record<(typeof FILES)[number], string>): Promise<void> {
  // Certificates first, config last: the config names the files, so it must never lead them.
  await writeAtomic(path.join(dir, "ca.crt"), files["ca.crt"]);
  await writeAtomic(path.join(dir, "host.crt"), files["host.crt"]);
  await writeAtomic(path.join(dir, "config.yml"), files["config.yml"], 0o600);
}

export function reportOf(state: AgentState, nebula: NebulaRunner, nebulaVersion: string | null): Report {
  const exit = nebula.state() === "running" ? null : nebula.lastExit();
  return { fetched: state.fetchedEtag, applied: state.appliedEtag, nebula: nebula.state(), nebulaVersion, agent: AGENT_ID, error: headerSafe(state.lastError ?? exit ?? "") || null };
}

/**
 * Writes the bundle, has `nebula -test` check it, then SIGHUP or restart. A refused bundle is
 * rolled back and reported; nebula keeps running what it had.
 */
export async function applyBundle(opts: AgentOptions & { nebula: NebulaRunner }, state: AgentState, payload: ConfigPayload): Promise<void> {
  const running = opts.nebula.pid() !== null;
  const before = running && state.appliedEtag && state.appliedRestartKey ? { etag: state.appliedEtag, restartKey: state.appliedRestartKey } : null;
  const action = decideReload(before, { etag: payload.etag, restartKey: payload.restartKey });
  state.fetchedEtag = payload.etag;
  state.pollSeconds = clampPollSeconds(payload.pollSeconds);
  if (action === "none") return;
  const previous = await readFiles(opts.dir);
  await writeFiles(opts.dir, { "config.yml": payload.config, "ca.crt": payload.ca, "host.crt": payload.certificate });
  const refused = await opts.nebula.test(path.join(opts.dir, "config.yml"));
  if (refused) {
    if (previous) await writeFiles(opts.dir, previous);
    state.lastError = `nebula -test refused revision ${payload.revision}: ${refused}`;
    opts.log(state.lastError);
    return;
  }
  const problem = action === "reload" ? await opts.nebula.reload() : await opts.nebula.restart();
  if (problem) {
    state.lastError = `nebula did not take revision ${payload.revision}: ${problem}`;
    opts.log(state.lastError);
    return;
  }
  state.appliedEtag = payload.etag;
  state.appliedRestartKey = payload.restartKey;
  state.appliedRevision = payload.revision;
  state.lastError = null;
  opts.log(`applied revision ${payload.revision} (${action === "reload" ? "SIGHUP" : "nebula (re)started"})`);
}

export interface EnrollOptions extends AgentOptions {
  link: string;
  hostname: string;
  insecureHttp: boolean;
  replace: boolean;
}

/**
 * Refuses to take over a host that is already enrolled unless asked to (then the old node is
 * retired first), and leaves nothing behind when enrollment fails.
 */
export async function enrollCommand(opts: EnrollOptions): Promise<AgentState> {
  const { server, token } = parseJoinLink(opts.link);
  try {
    checkServerUrl(server, opts.insecureHttp);
  } catch (error) {
    throw new AgentExit((error as Error).message, EXIT.usage);
  }
  if (existsSync(stateFile(opts.dir))) {
    const old = await loadState(opts.dir).catch(() => null);
    if (!opts.replace) {
      throw new AgentExit(
        `${opts.dir} already holds an enrolled node${old ? ` ("${old.name}"${old.ip ? `, ${old.ip}` : ""}, server ${old.server})` : ""}. Nothing was changed. To replace it, run again with --replace (the old node is deleted from its network), or use another --dir.`,
        EXIT.failed,
      );
    }
    if (old) {
      await retireNode(old.server, old.credential).catch((error: Error) => opts.log(`could not retire the old node ${old.name}: ${error.message}; delete it in the app`));
      opts.log(`retired the old node ${old.name}`);
    }
  }
  const createdDir = !existsSync(opts.dir);
  await mkdir(opts.dir, { recursive: true, mode: 0o700 });
  // Debian's package makes /etc/nebula 0755; the credential and the key live here, so it becomes the owner's alone.
  await chmod(opts.dir, 0o700);
  const keys = await keygen(opts.nebulaCert);
  let enrolled;
  try {
    enrolled = await enrollHost(server, { token, hostname: opts.hostname, publicKeyPem: keys.publicKeyPem });
  } catch (error) {
    if (createdDir) await rmdir(opts.dir).catch(() => {});
    throw error;
  }
  await writeAtomic(path.join(opts.dir, "host.key"), keys.privateKeyPem, 0o600);
  const state = freshState({ server, insecureHttp: opts.insecureHttp, credential: enrolled.credential, nodeId: enrolled.nodeId, name: enrolled.name, ip: enrolled.ip });
  await saveState(opts.dir, state);
  opts.log(`enrolled as ${enrolled.name} (${enrolled.ip})${enrolled.status === "pending" ? ", waiting for approval" : ""}; run \`nc-agent run --dir ${opts.dir}\` to start nebula`);
  return state;
}

/** Makes a new key pair, has it signed, and swaps key, certificate and credential in. */
async function renew(opts: RunOptions, state: AgentState): Promise<void> {
  const keys = await keygen(opts.nebulaCert);
  const renewed = await renewCertificate(state.server, state.credential, keys.publicKeyPem);
  // The credential rotated server-side: persist it before anything else can fail.
  state.credential = renewed.credential;
  await saveState(opts.dir, state);
  await writeAtomic(path.join(opts.dir, "host.key"), keys.privateKeyPem, 0o600);
  await writeAtomic(path.join(opts.dir, "host.crt"), renewed.certificate);
  opts.log("certificate renewed with a new key pair");
  // Same addresses, so the new key and certificate load with SIGHUP; the next poll brings the bundle.
  const problem = await opts.nebula.reload();
  state.fetchedEtag = null;
  if (problem) state.lastError = `nebula did not take the renewed certificate: ${problem}`;
}

/** Shorter than this, a "waited" answer is not trusted to have waited (see pollOnce). */
const LONG_POLL_MIN_HELD_MS = 1_000;

export interface RunOptions extends AgentOptions {
  /** Long polling (the default): changes arrive in seconds. False polls every interval instead. */
  longPoll?: boolean;
  nebula: NebulaRunner;
  /** Overrides the server's interval (tests, labs); bounded like the server's. */
  intervalSeconds?: number;
  /** Stop after this many polls (tests); unbounded otherwise. */
  maxPolls?: number;
  signal?: AbortSignal;
}

/** One poll: report, fetch, test, apply, renew when due. True when another poll should follow at once. */
export async function pollOnce(opts: RunOptions, state: AgentState): Promise<boolean> {
  if (opts.nebula.shouldRestart() && (await readFiles(opts.dir)) && state.appliedEtag) {
    const problem = await opts.nebula.restart();
    state.lastError = problem ? `nebula would not start: ${problem}` : null;
  }
  const report = reportOf(state, opts.nebula, await opts.nebula.version());
  let outcome;
  const started = Date.now();
  try {
    outcome = await pollConfig(state.server, state.credential, opts.dir, report, opts.longPoll === false ? 0 : undefined);
  } catch (error) {
    if (error instanceof ControlPlaneError && (error.kind === "blocked" || error.kind === "gone")) {
      await opts.nebula.stop();
      throw new AgentExit(error.kind === "blocked" ? BLOCKED_MESSAGE : GONE_MESSAGE, error.kind === "blocked" ? EXIT.blocked : EXIT.gone);
    }
    throw error;
  }
  state.lastPollAt = new Date().toISOString();
  if (outcome.kind !== "config") {
    state.pollSeconds = outcome.pollSeconds;
    await saveState(opts.dir, state);
    if (outcome.kind === "pending") opts.log("still waiting for approval");
    // The server held the poll open until now and nothing changed: ask again at once, so that the
    // next change reaches this host in seconds. An answer that came too fast to be a real wait
    // (a server shutting down) falls back to the interval.
    return outcome.waited !== null && Date.now() - started >= LONG_POLL_MIN_HELD_MS;
  }
  const appliedBefore = state.appliedEtag;
  await applyBundle(opts, state, outcome.payload);
  await saveState(opts.dir, state);
  if (outcome.payload.renewalDue && state.appliedEtag === outcome.payload.etag) {
    await renew(opts, state);
    await saveState(opts.dir, state);
    return true;
  }
  // Report a new apply at once, so the app shows it without waiting a whole interval.
  return state.appliedEtag !== appliedBefore;
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
  checkServerUrl(state.server, state.insecureHttp);
  let failures = 0;
  for (let polls = 0; opts.maxPolls === undefined || polls < opts.maxPolls; polls++) {
    if (opts.signal?.aborted) break;
    let again = false;
    try {
      again = await pollOnce(opts, state);
      failures = 0;
    } catch (error) {
      if (error instanceof AgentExit) throw error;
      failures++;
      const why = error instanceof ControlPlaneError ? `${error.status}: ${error.message}` : error instanceof Error ? error.message : String(error);
      // The data plane does not depend on us: nebula keeps its last good config while we back off.
      state.lastError = `poll failed: ${why}`;
      await saveState(opts.dir, state).catch(() => {});
      opts.log(`poll failed (${why}); keeping the current config`);
    }
    if (again) continue;
    const interval = clampPollSeconds(opts.intervalSeconds ?? state.pollSeconds);
    const backoff = failures ? Math.min(300, interval * 2 ** Math.min(failures, 5)) : interval;
    await sleep(backoff * (0.9 + Math.random() * 0.2) * 1000, opts.signal);
  }
}

/** `nc-agent status`: what this host runs, from its own files. */
export async function statusCommand(opts: AgentOptions & { nebulaBin: string }): Promise<string> {
  const state = await loadState(opts.dir);
  const pid = Number((await readFile(path.join(opts.dir, "nebula.pid"), "utf8").catch(() => "")).trim());
  const running = pid > 0 && existsSync(`/proc/${pid}`);
  let expiry = "unknown";
  try {
    const { stdout } = await run(opts.nebulaCert, ["print", "-json", "-path", path.join(opts.dir, "host.crt")], { timeout: 10_000 });
    const text = stdout.trim();
    const parsed = (text.startsWith("[") ? JSON.parse(text)[0] : JSON.parse(text.split("\n")[0]!)) as { details: { notAfter: string } };
    expiry = parsed.details.notAfter;
  } catch {
    /* no certificate yet */
  }
  return [
    `node:             ${state.name} (${state.ip || "no address yet"})`,
    `server:           ${state.server}`,
    `applied revision: ${state.appliedRevision ?? "none"}${state.fetchedEtag && state.fetchedEtag !== state.appliedEtag ? " (a newer bundle was fetched but not applied)" : ""}`,
    `nebula:           ${running ? `running, pid ${pid}` : "not running"}`,
    `certificate:      expires ${expiry}`,
    `last poll:        ${state.lastPollAt ?? "never"} (every ${state.pollSeconds} s)`,
    `last error:       ${state.lastError ?? "none"}`,
  ].join("\n");
}
