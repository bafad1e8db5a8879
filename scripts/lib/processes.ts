/** Child processes for the demo and the test orchestrator: started in their own group, stopped by PID. */
import { execFile, spawn, type ChildProcess, type SpawnOptions } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";

export interface Started {
  child: ChildProcess;
  stop(): Promise<void>;
}

/** Starts a long-running service. Its whole process group is killed by its PID on stop. */
export function startService(name: string, command: string, args: string[], options: SpawnOptions & { logFile?: NodeJS.WritableStream } = {}): Started {
  const child = spawn(command, args, { ...options, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  const sink = options.logFile;
  const forward = (chunk: Buffer) => (sink ? sink.write(chunk) : process.stdout.write(`[${name}] ${chunk}`));
  child.stdout?.on("data", forward);
  child.stderr?.on("data", forward);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  return {
    child,
    async stop() {
      if (!child.pid) return;
      const group = -child.pid;
      // The leader (often npx) may be gone already while what it started still runs: the group
      // is what is stopped, and waited for, not just the leader.
      if (!groupAlive(group)) return;
      try {
        process.kill(group, "SIGTERM");
      } catch {
        return;
      }
      const deadline = Date.now() + STOP_TIMEOUT_MS;
      await Promise.race([exited, new Promise((r) => setTimeout(r, STOP_TIMEOUT_MS))]);
      while (groupAlive(group) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      if (groupAlive(group)) {
        try {
          process.kill(group, "SIGKILL");
        } catch {
          /* already gone */
        }
      }
    },
  };
}

/** How long a stopped service may take to shut down before its group is killed. */
const STOP_TIMEOUT_MS = 15_000;

/**
 * Whether any process of the group still runs: a member that has exited but is not yet reaped
 * (a zombie) does not count, so that stopping never waits on one.
 */
function groupAlive(group: number): boolean {
  try {
    process.kill(group, 0);
  } catch {
    return false;
  }
  const pgid = -group;
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, "utf8");
    } catch {
      continue; // gone meanwhile
    }
    // "pid (comm) state ppid pgrp ...": comm may hold spaces and parentheses, so read after the last ")".
    const [state, , pgrp] = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    if (Number(pgrp) === pgid && state !== "Z") return true;
  }
  return false;
}

/** Runs a command to completion, inheriting stdio; resolves with its exit code. */
export function runCommand(command: string, args: string[], options: SpawnOptions = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: "inherit", ...options });
    child.once("error", reject);
    child.once("exit", (code, signal) => resolve(code ?? (signal ? 128 : 1)));
  });
}

export async function runOrThrow(command: string, args: string[], options: SpawnOptions = {}): Promise<void> {
  const code = await runCommand(command, args, options);
  if (code !== 0) throw new Error(`${command} ${args.join(" ")} exited with ${code}`);
}

/** Polls `url` until it answers 2xx, within `timeoutMs`. */
export async function waitForHttp(url: string, timeoutMs: number, service?: Started): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (service && service.child.exitCode !== null) throw new Error(`${url}: the service exited with ${service.child.exitCode}`);
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(3000) });
      if (res.ok) return;
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`${url} did not answer within ${timeoutMs} ms`);
}

export interface CaptureResult {
  code: number;
  stdout: string;
  stderr: string;
  /** True when the command was killed for running past its timeout. */
  timedOut: boolean;
  ms: number;
}

export interface CaptureOptions {
  timeout?: number;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

/** Runs a command (no shell) and collects its output; never throws: failures come back as a non-zero code. */
export function capture(cmd: string, args: string[], opts: CaptureOptions = {}): Promise<CaptureResult> {
  const started = Date.now();
  return new Promise((resolve) => {
    execFile(cmd, args, { cwd: opts.cwd, timeout: opts.timeout ?? 300_000, killSignal: "SIGKILL", maxBuffer: 32 * 1024 * 1024, env: opts.env ?? process.env }, (error, stdout, stderr) => {
      const err = error as (Error & { code?: number | string; killed?: boolean }) | null;
      const code = err ? (typeof err.code === "number" ? err.code : 1) : 0;
      resolve({ code, stdout: String(stdout), stderr: String(stderr) || (err && typeof err.code !== "number" ? err.message : ""), timedOut: Boolean(err?.killed), ms: Date.now() - started });
    });
  });
}

/** `capture`, but a non-zero exit throws with the command's output; resolves with its stdout. */
export async function captureOrThrow(cmd: string, args: string[], opts: CaptureOptions = {}): Promise<string> {
  const r = await capture(cmd, args, opts);
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(" ")} failed (${r.code}${r.timedOut ? ", timed out" : ""}):\n${`${r.stdout}${r.stderr}`.slice(-3000)}`);
  return r.stdout;
}
