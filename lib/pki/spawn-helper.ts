/**
 * Runs programs (nebula-cert) from a small helper process instead of from the app itself. Linux
 * copies a process's page tables when it forks, so every execFile from an app of several hundred
 * megabytes blocks the event loop for milliseconds: profiled under the enrollment benchmark,
 * ChildProcess.spawn was the app's largest single cost, about 4.6 ms a signature. The helper is
 * a bare `node -e` of a few lines (no file to ship, about 40 MB), started on first use and again
 * if it dies; it forks cheaply, and the app only exchanges messages with it.
 *
 * The helper runs the program with an argument array (never a shell), the caller's timeout, and
 * the environment it is given; it has no environment of its own beyond PATH. With a `workspace`,
 * the helper also writes the program's input files (a CA key) into a private directory, reads back
 * what the program wrote there (a certificate) and its output, and removes it, all in the same run, with
 * synchronous calls that cost microseconds in memory-backed /dev/shm: the app itself then makes
 * no file operation per signature, each of which was a trip through libuv's thread pool. It
 * exits when the app does (its IPC channel closes), and holds nothing that matters: a request in
 * flight when it dies fails like a failed nebula-cert run, and the next one starts a new helper.
 */
import { spawn, type ChildProcess } from "node:child_process";

export interface HelperRunOptions {
  /** Where the program runs; with `workspace`, the helper's private directory instead. */
  cwd?: string;
  timeoutMs: number;
  /**
   * Most characters of stdout and stderr together; past it the program is killed. In a workspace
   * its output goes to files, read after it exits: there the limit counts bytes, and a run past it
   * is refused.
   */
  maxBuffer: number;
  env: Record<string, string>;
  /**
   * Run in a fresh 0700 directory under `root` holding the files in `write` (name to content, each
   * 0600), and answer with the files named in `read` (null for one the program did not write)
   * after a successful run. The directory is removed whatever happens.
   */
  workspace?: { root: string; write: Record<string, string>; read: string[] };
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
  files?: Record<string, string | null>;
}

// Plain CommonJS for `node -e`.
const HELPER_SOURCE = `
const { spawn } = require("node:child_process");
const fs = require("node:fs");
const path = require("node:path");
const failure = (e) => ({ message: e.message, code: e.code });
function run(m, reply) {
  let dir = null;
  // In a workspace the program's output goes to two files there, read after it exits: a pipe
  // per stream and waiting for both to close cost about a third of a millisecond a run.
  let outputs = null;
  const finish = (error, stdout, stderr) => {
    let files;
    if (dir) {
      if (outputs) {
        try {
          const sizes = outputs.map((f) => fs.statSync(f).size);
          if (sizes[0] + sizes[1] > m.maxBuffer) error = error || { message: "the program's output passed " + m.maxBuffer + " bytes", code: "EMAXBUFFER" };
          else [stdout, stderr] = outputs.map((f) => fs.readFileSync(f, "utf8"));
        } catch (e) { error = error || failure(e); }
      }
      if (!error) {
        files = {};
        for (const name of m.workspace.read) {
          try { files[name] = fs.readFileSync(path.join(dir, name), "utf8"); } catch { files[name] = null; }
        }
      }
      // Never left behind on purpose; a removal that fails must still answer the app.
      try { fs.rmSync(dir, { recursive: true, force: true }); } catch (e) { error = error || failure(e); }
    }
    reply({ id: m.id, error, stdout, stderr, files });
  };
  let child, stdio = ["ignore", "pipe", "pipe"];
  try {
    if (m.workspace) {
      dir = fs.mkdtempSync(path.join(m.workspace.root, "nc-pki-"));
      for (const [name, text] of Object.entries(m.workspace.write)) fs.writeFileSync(path.join(dir, name), text, { mode: 0o600 });
      outputs = [path.join(dir, ".nc-stdout"), path.join(dir, ".nc-stderr")];
      stdio = ["ignore", ...outputs.map((f) => fs.openSync(f, "w", 0o600))];
    }
    try {
      child = spawn(m.file, m.args, { cwd: dir || m.cwd, env: m.env, stdio });
    } finally {
      // The child has its own copies of the descriptors.
      for (const fd of stdio) if (typeof fd === "number") fs.closeSync(fd);
    }
  } catch (e) {
    return finish(failure(e), "", "");
  }
  let stdout = "", stderr = "", size = 0, killed = false, done = false;
  const kill = () => { killed = true; child.kill("SIGTERM"); };
  const timer = setTimeout(kill, m.timeoutMs);
  const collect = (which) => (chunk) => {
    size += chunk.length;
    if (size > m.maxBuffer) return kill();
    if (which === 1) stdout += chunk; else stderr += chunk;
  };
  child.stdout?.setEncoding("utf8").on("data", collect(1));
  child.stderr?.setEncoding("utf8").on("data", collect(2));
  const end = (error) => {
    if (done) return;
    done = true;
    clearTimeout(timer);
    finish(error, stdout, stderr);
  };
  child.on("error", (e) => end(failure(e)));
  // With no pipes, "close" comes right after the exit.
  child.on("close", (code, signal) => end(code === 0 && !signal && !killed ? null : { message: "Command failed: " + m.file + " " + m.args.join(" "), code: code ?? undefined, killed, signal }));
}
process.on("message", (m) => run(m, (r) => process.connected && process.send(r)));
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

/** Runs `file` from the helper: resolves with its output (and workspace files), rejects with a HelperRunError. */
export async function execFileViaHelper(file: string, args: string[], options: HelperRunOptions): Promise<{ stdout: string; stderr: string; files: Record<string, string | null> }> {
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
    const { cwd, timeoutMs, maxBuffer, env, workspace } = options;
    helper.child.send({ id, file, args, cwd, timeoutMs, maxBuffer, env, workspace }, (error) => {
      if (!error) return;
      helper.pending.delete(id);
      clearTimeout(timer);
      reject(new HelperRunError(`the spawn helper did not take the request: ${error.message}`, undefined, false, null, "", ""));
    });
  });
  if (reply.error) {
    throw new HelperRunError(reply.error.message, reply.error.code, reply.error.killed ?? false, reply.error.signal ?? null, reply.stdout, reply.stderr);
  }
  return { stdout: reply.stdout, stderr: reply.stderr, files: reply.files ?? {} };
}

/** The helper's PID, when one is running (tests stop it to prove a new one starts). */
export function spawnHelperPid(): number | null {
  return state.helper?.child.pid ?? null;
}
