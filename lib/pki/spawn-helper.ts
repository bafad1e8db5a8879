/**
 * Runs programs (nebula-cert) from a small helper process instead of from the app itself. Linux
 * copies a process's page tables when it forks, so every execFile from an app of several hundred
 * megabytes blocks the event loop for milliseconds: profiled under the enrollment benchmark,
 * ChildProcess.spawn was the app's largest single cost, about 4.6 ms a signature. The helper is
 * a bare `node -e` of a few lines (no file to ship, about 40 MB), started on first use and again
 * if it dies; it forks cheaply, and the app only exchanges messages with it.
 *
 * The helper runs execFile with an argument array (never a shell), the caller's timeout, and the
 * environment it is given; it has no environment of its own beyond PATH. It exits when the app
 * does (its IPC channel closes), and holds nothing that matters: a request in flight when it dies
 * fails like a failed nebula-cert run, and the next one starts a new helper.
 */
import { spawn, type ChildProcess } from "node:child_process";

export interface HelperRunOptions {
  cwd: string;
  timeoutMs: number;
  maxBuffer: number;
  env: Record<string, string>;
}

/** Shaped like execFile's error, so that callers map failures the same way. */
export class HelperRunError extends Error {
  constructor(
    message: string,
    readonly code: string | number | undefined,
    readonly killed: boolean,
    readonly signal: string | null,
    readonly stdout: string,
    readonly stderr: string,
  ) {
    super(message);
  }
}

interface Reply {
  id: number;
  error: { message: string; code?: string | number; killed?: boolean; signal?: string | null } | null;
  stdout: string;
  stderr: string;
}

const HELPER_SOURCE = `
const { execFile } = require("node:child_process");
process.on("message", (m) => {
  execFile(m.file, m.args, { cwd: m.cwd, timeout: m.timeoutMs, maxBuffer: m.maxBuffer, env: m.env }, (error, stdout, stderr) => {
    const e = error ? { message: error.message, code: error.code, killed: Boolean(error.killed), signal: error.signal ?? null } : null;
    if (process.connected) process.send({ id: m.id, error: e, stdout: String(stdout), stderr: String(stderr) });
  });
});
process.on("disconnect", () => process.exit(0));
`;

/** Extra time the app waits beyond the run's own timeout before it gives up on the helper. */
const HELPER_GRACE_MS = 5_000;

interface Helper {
  child: ChildProcess;
  pending: Map<number, { resolve: (r: Reply) => void; reject: (e: Error) => void }>;
}

const state = ((globalThis as { __ncSpawnHelper?: { helper: Helper | null; nextId: number } }).__ncSpawnHelper ??= { helper: null, nextId: 1 });

function startHelper(): Helper {
  const env = { PATH: process.env.PATH ?? "/usr/bin:/bin" } as unknown as NodeJS.ProcessEnv;
  const child: ChildProcess = spawn(process.execPath, ["-e", HELPER_SOURCE], { stdio: ["ignore", "ignore", "inherit", "ipc"], env });
  const helper: Helper = { child, pending: new Map() };
  const fail = (why: string) => {
    if (state.helper === helper) state.helper = null;
    for (const { reject } of helper.pending.values()) reject(new HelperRunError(`the spawn helper ${why}`, undefined, false, null, "", ""));
    helper.pending.clear();
  };
  child.on("message", (reply: Reply) => {
    const waiter = helper.pending.get(reply.id);
    if (!waiter) return;
    helper.pending.delete(reply.id);
    idleIfDone(helper);
    waiter.resolve(reply);
  });
  child.on("error", (error) => fail(`could not run: ${error.message}`));
  child.on("exit", (code, signal) => fail(`exited (${signal ?? code})`));
  // An idle helper must not keep the app running.
  child.unref();
  child.channel?.unref();
  return helper;
}

function idleIfDone(helper: Helper): void {
  if (helper.pending.size === 0) helper.child.channel?.unref();
}

/** execFile, run by the helper: resolves with the output, rejects with a HelperRunError. */
export async function execFileViaHelper(file: string, args: string[], options: HelperRunOptions): Promise<{ stdout: string; stderr: string }> {
  const helper = (state.helper ??= startHelper());
  const id = state.nextId++;
  const reply = await new Promise<Reply>((resolve, reject) => {
    const timer = setTimeout(() => {
      helper.pending.delete(id);
      idleIfDone(helper);
      reject(new HelperRunError(`no answer from the spawn helper within ${options.timeoutMs + HELPER_GRACE_MS} ms`, undefined, true, "SIGTERM", "", ""));
    }, options.timeoutMs + HELPER_GRACE_MS);
    helper.pending.set(id, {
      resolve: (r) => {
        clearTimeout(timer);
        resolve(r);
      },
      reject: (e) => {
        clearTimeout(timer);
        reject(e);
      },
    });
    helper.child.channel?.ref();
    helper.child.send({ id, file, args, cwd: options.cwd, timeoutMs: options.timeoutMs, maxBuffer: options.maxBuffer, env: options.env }, (error) => {
      if (!error) return;
      helper.pending.delete(id);
      clearTimeout(timer);
      reject(new HelperRunError(`the spawn helper did not take the request: ${error.message}`, undefined, false, null, "", ""));
    });
  });
  if (reply.error) {
    throw new HelperRunError(reply.error.message, reply.error.code, reply.error.killed ?? false, reply.error.signal ?? null, reply.stdout, reply.stderr);
  }
  return { stdout: reply.stdout, stderr: reply.stderr };
}

/** The helper's PID, when one is running (tests stop it to prove a new one starts). */
export function spawnHelperPid(): number | null {
  return state.helper?.child.pid ?? null;
}
