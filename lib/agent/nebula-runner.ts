/**
 * The nebula daemon under the agent's care. In supervised mode the agent starts nebula itself and
 * signals it by its own PID (written to nebula.pid); in systemd mode it asks systemctl.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { execFile } from "node:child_process";
import { createWriteStream } from "node:fs";
import { rm } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { writeAtomic } from "./files";

const run = promisify(execFile);

export interface NebulaRunner {
  start(): Promise<void>;
  reload(): Promise<void>;
  restart(): Promise<void>;
  stop(): Promise<void>;
  pid(): number | null;
}

export function supervisedNebula(opts: { nebulaBin: string; dir: string; log: (m: string) => void }): NebulaRunner {
  let child: ChildProcess | null = null;
  const pidFile = path.join(opts.dir, "nebula.pid");
  const logStream = createWriteStream(path.join(opts.dir, "nebula.log"), { flags: "a" });

  const start = async () => {
    child = spawn(opts.nebulaBin, ["-config", path.join(opts.dir, "config.yml")], { stdio: ["ignore", "pipe", "pipe"] });
    child.stdout?.pipe(logStream, { end: false });
    child.stderr?.pipe(logStream, { end: false });
    const started = child;
    started.once("exit", (code, signal) => {
      if (child === started) {
        opts.log(`nebula exited (${signal ?? code}); it will be started again on the next change or poll`);
        child = null;
      }
    });
    await writeAtomic(pidFile, `${started.pid}\n`);
    opts.log(`nebula started, pid ${started.pid}`);
  };
  const stop = async () => {
    const c = child;
    child = null;
    if (!c || c.exitCode !== null) return;
    const exited = new Promise((r) => c.once("exit", r));
    c.kill("SIGTERM");
    await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
    if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
    await rm(pidFile, { force: true });
  };
  return {
    start,
    stop,
    async reload() {
      if (!child?.pid) return start();
      process.kill(child.pid, "SIGHUP");
      opts.log(`nebula reloaded with SIGHUP (pid ${child.pid})`);
    },
    async restart() {
      await stop();
      await start();
    },
    pid: () => child?.pid ?? null,
  };
}

export function systemdNebula(unit: string, log: (m: string) => void): NebulaRunner {
  const ctl = async (verb: string) => {
    await run("systemctl", [verb, unit], { timeout: 30_000 });
    log(`systemctl ${verb} ${unit}`);
  };
  return { start: () => ctl("start"), reload: () => ctl("reload"), restart: () => ctl("restart"), stop: () => ctl("stop"), pid: () => null };
}
