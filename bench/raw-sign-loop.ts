/**
 * The signing benchmarks' baseline: `nebula-cert sign` run from a small process of its own.
 * Linux copies a process's page tables when it forks, so the same execFile costs more from a big
 * process: measured here, 4.4 ms a signature from a 51 MB node and 5.8 ms from one of 376 MB. Run
 * from the bench's own process (Prisma and the fixtures loaded), the baseline was slower than
 * nebula-cert itself and flattered the app beside it. The app signs from a small helper process
 * too (lib/pki/spawn-helper.ts), so this is the floor its signing path can reach.
 */
import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";

export interface RawSignJob {
  args: string[];
  cwd: string;
}

export interface RawBlockResult {
  /** Each run's time, from spawn to exit, measured in the small process. */
  latencies: number[];
  /** The whole block's time there. */
  ms: number;
}

interface Reply extends Partial<RawBlockResult> {
  id: number;
  error?: string;
}

export class RawSignLoop {
  private readonly child: ChildProcess;
  private readonly waiting = new Map<number, (reply: Reply) => void>();
  private nextId = 1;

  constructor(
    private readonly bin: string,
    private readonly timeoutMs: number,
  ) {
    // A bare node, without tsx or anything of the bench's: as small as the process can be.
    this.child = spawn(process.execPath, [path.join(import.meta.dirname, "raw-sign-child.mjs")], { stdio: ["ignore", "inherit", "inherit", "ipc"], env: {} as NodeJS.ProcessEnv });
    this.child.on("message", (reply: Reply) => {
      this.waiting.get(reply.id)?.(reply);
      this.waiting.delete(reply.id);
    });
    this.child.on("exit", (code, signal) => {
      for (const resolve of this.waiting.values()) resolve({ id: 0, error: `the raw loop's process exited (${signal ?? code})` });
      this.waiting.clear();
    });
  }

  /** Runs the jobs, `parallel` at a time; throws the first failure. */
  async block(jobs: RawSignJob[], parallel: number): Promise<RawBlockResult> {
    const id = this.nextId++;
    // The same minimal environment the app gives nebula-cert.
    const env = { PATH: process.env.PATH ?? "/usr/bin:/bin" };
    const reply = await new Promise<Reply>((resolve) => {
      this.waiting.set(id, resolve);
      this.child.send({ id, bin: this.bin, jobs, parallel, timeoutMs: this.timeoutMs, env }, (error) => {
        if (error) resolve({ id, error: `the raw loop's process took no work: ${error.message}` });
      });
    });
    if (reply.error !== undefined || !reply.latencies || reply.ms === undefined) throw new Error(reply.error ?? "the raw loop answered nothing");
    return { latencies: reply.latencies, ms: reply.ms };
  }

  /** Runs one job; resolves with its time. */
  async one(job: RawSignJob): Promise<number> {
    return (await this.block([job], 1)).ms;
  }

  close(): void {
    this.child.disconnect();
  }
}
