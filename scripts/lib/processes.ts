/** Child processes for the demo and the test orchestrator: started in their own group, stopped by PID. */
import { execFile, spawn, type ChildProcess, type SpawnOptions } from "node:child_process";

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
      if (child.exitCode !== null || child.signalCode !== null || !child.pid) return;
      try {
        process.kill(-child.pid, "SIGTERM");
      } catch {
        return;
      }
      const timeout = new Promise<"timeout">((r) => setTimeout(() => r("timeout"), 15_000));
      if ((await Promise.race([exited, timeout])) === "timeout") {
        try {
          process.kill(-child.pid, "SIGKILL");
        } catch {
          /* already gone */
        }
      }
    },
  };
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
