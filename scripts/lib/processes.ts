/** Child processes for the demo and the test orchestrator: started in their own group, stopped by PID. */
import { spawn, type ChildProcess, type SpawnOptions } from "node:child_process";

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
