/**
 * The nebula daemon under the agent's care. The agent starts nebula as its own child and signals
 * it by PID (also written to nebula.pid, for people and tests). Under systemd the agent's unit
 * owns both processes, so one code path serves hosts with and without systemd.
 *
 * Exits follow systemd's Restart=on-failure reading: a clean exit or SIGTERM/SIGINT means someone
 * stopped nebula on purpose, so it stays stopped (and is reported so); a crash is reported and
 * nebula is started again on the next poll.
 */
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { createWriteStream } from "node:fs";
import { readFile, rm, stat } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { writeAtomic } from "./files";
import type { NebulaState } from "./protocol";

const run = promisify(execFile);

export interface NebulaRunner {
  start(): Promise<void>;
  /** SIGHUP; resolves to an error text when nebula died or logged an error while reloading. */
  reload(): Promise<string | null>;
  restart(): Promise<string | null>;
  stop(): Promise<void>;
  pid(): number | null;
  state(): NebulaState;
  /** Why nebula last exited on its own, when it did. */
  lastExit(): string | null;
  /** Whether the agent should start it again by itself (it crashed, rather than being stopped). */
  shouldRestart(): boolean;
  version(): Promise<string | null>;
  /** `nebula -test`: null when the config is valid, else nebula's words. */
  test(configFile: string): Promise<string | null>;
}

const SETTLE_MS = 1_500;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function supervisedNebula(opts: { nebulaBin: string; dir: string; log: (m: string) => void }): NebulaRunner {
  let child: ChildProcess | null = null;
  let exitInfo: { text: string; clean: boolean } | null = null;
  const pidFile = path.join(opts.dir, "nebula.pid");
  const logFile = path.join(opts.dir, "nebula.log");
  const logStream = createWriteStream(logFile, { flags: "a", mode: 0o600 });
  /**
   * The version of the nebula running now, read from its binary when it was started: the config is
   * written for the version that reads it, and a binary upgraded on disk runs only from nebula's
   * next start. While nebula is not running, the binary's version is read afresh each time.
   */
  let runningVersion: string | null = null;
  const binaryVersion = async () => {
    const out = await run(opts.nebulaBin, ["-version"], { timeout: 10_000 }).catch(() => null);
    return /(\d+\.\d+\.\d+)/.exec(out?.stdout ?? "")?.[1] ?? null;
  };

  const logSize = async () => (await stat(logFile).catch(() => null))?.size ?? 0;
  /**
   * Reload errors nebula wrote since `offset`. Only those (and fatal lines) count: a running nebula
   * logs unrelated errors now and then, and they must not mark a good apply as failed.
   */
  const errorsSince = async (offset: number) => {
    const text = (await readFile(logFile, "utf8").catch(() => "")).slice(offset);
    const bad = text.split("\n").filter((l) => /level=fatal|"level":"fatal"/.test(l) || (/level=error|"level":"error"/.test(l) && /reload/i.test(l)));
    return bad.length ? bad.slice(-2).join(" | ").slice(0, 250) : null;
  };

  const start = async () => {
    exitInfo = null;
    runningVersion = await binaryVersion();
    const started = spawn(opts.nebulaBin, ["-config", path.join(opts.dir, "config.yml")], { stdio: ["ignore", "pipe", "pipe"] });
    child = started;
    started.stdout?.pipe(logStream, { end: false });
    started.stderr?.pipe(logStream, { end: false });
    started.on("error", (error) => opts.log(`nebula could not start: ${error.message}`));
    started.once("exit", (code, signal) => {
      if (child !== started) return;
      child = null;
      const clean = code === 0 || signal === "SIGTERM" || signal === "SIGINT";
      exitInfo = { text: `nebula exited (${signal ?? `code ${code}`})`, clean };
      opts.log(clean ? `${exitInfo.text}; it stays stopped until the agent restarts or the config changes` : `${exitInfo.text}; it will be started again on the next poll`);
      void rm(pidFile, { force: true });
    });
    if (started.pid) await writeAtomic(pidFile, `${started.pid}\n`, 0o644);
    opts.log(`nebula started, pid ${started.pid}`);
  };
  const alive = () => child !== null && child.exitCode === null && child.signalCode === null;
  const stop = async () => {
    const c = child;
    child = null;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    const exited = new Promise((r) => c.once("exit", r));
    c.kill("SIGTERM");
    await Promise.race([exited, sleep(10_000)]);
    if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
    await rm(pidFile, { force: true });
  };
  /** After a signal or a start: is nebula still up, and did it log an error meanwhile? */
  const settle = async (offset: number) => {
    await sleep(SETTLE_MS);
    if (!alive()) return `${exitInfo?.text ?? "nebula exited"}: ${(await errorsSince(offset)) ?? "see nebula.log"}`;
    return errorsSince(offset);
  };
  return {
    start,
    stop,
    async reload() {
      if (!alive()) return this.restart();
      const offset = await logSize();
      process.kill(child!.pid!, "SIGHUP");
      opts.log(`nebula reloaded with SIGHUP (pid ${child!.pid})`);
      return settle(offset);
    },
    async restart() {
      await stop();
      const offset = await logSize();
      await start();
      return settle(offset);
    },
    pid: () => (alive() ? child!.pid! : null),
    state: () => (alive() ? "running" : exitInfo && !exitInfo.clean ? "failed" : "stopped"),
    lastExit: () => exitInfo?.text ?? null,
    shouldRestart: () => !alive() && (exitInfo === null || !exitInfo.clean),
    async version() {
      return alive() && runningVersion ? runningVersion : binaryVersion();
    },
    async test(configFile: string) {
      try {
        await run(opts.nebulaBin, ["-test", "-config", configFile], { timeout: 20_000 });
        return null;
      } catch (error) {
        const e = error as { stderr?: string; stdout?: string; message: string };
        return `${e.stderr ?? ""}${e.stdout ?? ""}`.trim().split("\n").slice(-2).join(" ").slice(0, 250) || e.message;
      }
    },
  };
}
