/**
 * A lab left behind by a killed run must not stop the next run, even when that run is another
 * clone of the repository with its own state (CI starts from a snapshot of a machine on which a
 * run was cut off). These tests build such leftovers by hand, with names of the lab's shape and the
 * underlay address on the bridge, and no record of them anywhere.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { Lab, run, runOrThrow, UNDERLAY_HOST } from "./lab";

const IP = "ip";
const skip = process.getuid?.() !== 0 ? "needs root" : null;

let stateDir = "";
const savedStateFile = process.env.LAB_STATE_FILE;
const sleepers: ChildProcess[] = [];

/** Bridge, one namespace and one veth, named as a lab names them, with the underlay on the bridge. */
async function makeUnrecordedLeftover(): Promise<{ id: string; bridge: string; ns: string; veth: string }> {
  const id = randomBytes(3).toString("hex");
  const bridge = `ncbr${id}`;
  const ns = `nc-${id}-left1`;
  const veth = `ncv${id}0`;
  await runOrThrow(IP, ["link", "add", "name", bridge, "type", "bridge"]);
  await runOrThrow(IP, ["addr", "add", `${UNDERLAY_HOST}/24`, "dev", bridge]);
  await runOrThrow(IP, ["netns", "add", ns]);
  await runOrThrow(IP, ["link", "add", "name", veth, "type", "veth", "peer", "name", "eth0", "netns", ns]);
  await runOrThrow(IP, ["link", "set", "dev", veth, "master", bridge]);
  return { id, bridge, ns, veth };
}

async function linkExists(name: string): Promise<boolean> {
  return (await run(IP, ["link", "show", "dev", name])).code === 0;
}
async function nsExists(ns: string): Promise<boolean> {
  return (await runOrThrow(IP, ["netns", "list"])).split("\n").some((l) => l.split(" ")[0] === ns);
}

describe.skipIf(skip)("leftovers of a lab that no state file names", () => {
  beforeAll(() => {
    // A state file of our own, empty: the leftovers below are recorded nowhere.
    stateDir = mkdtempSync(path.join(os.tmpdir(), "nc-lab-state-"));
    process.env.LAB_STATE_FILE = path.join(stateDir, "state.json");
  });
  afterEach(() => {
    // Only still-running sleepers (a failed assertion skipped the test's own kill).
    for (const s of sleepers.splice(0)) if (s.pid && s.exitCode === null && s.signalCode === null) process.kill(s.pid, "SIGKILL");
  });
  afterAll(() => {
    if (savedStateFile === undefined) delete process.env.LAB_STATE_FILE;
    else process.env.LAB_STATE_FILE = savedStateFile;
    rmSync(stateDir, { recursive: true, force: true });
  });

  it("are removed when no process is left in them, and the new lab takes the underlay", async () => {
    const old = await makeUnrecordedLeftover();
    const logs: string[] = [];
    const lab = await Lab.create(["n1"], (m) => logs.push(m));
    try {
      expect(await linkExists(old.bridge)).toBe(false);
      expect(await linkExists(old.veth)).toBe(false);
      expect(await nsExists(old.ns)).toBe(false);
      expect(logs.join("\n")).toContain(`no state file names (no process left in them): ${old.bridge}, ${old.ns}`);
      // The new lab holds the underlay host address now.
      expect(await runOrThrow(IP, ["-o", "-4", "addr", "show", "dev", lab.bridge])).toContain(`inet ${UNDERLAY_HOST}/24`);
    } finally {
      lab.destroy();
    }
  });

  it("are left alone, with a clear error, while a process still runs in one of their namespaces", async () => {
    const old = await makeUnrecordedLeftover();
    const sleeper = spawn(IP, ["netns", "exec", old.ns, "sleep", "60"], { stdio: "ignore" });
    sleepers.push(sleeper);
    // Bounded wait until the sleeper is inside the namespace.
    for (let i = 0; i < 50 && !(await runOrThrow(IP, ["netns", "pids", old.ns])).trim(); i++) await new Promise((r) => setTimeout(r, 100));
    try {
      await expect(Lab.create(["n1"], () => {})).rejects.toThrow(new RegExp(`bridge ${old.bridge} .*still run in its namespaces: another checkout's lab is running`));
      expect(await linkExists(old.bridge)).toBe(true);
      expect(await nsExists(old.ns)).toBe(true);
    } finally {
      process.kill(sleeper.pid!, "SIGKILL");
      await new Promise((r) => sleeper.once("exit", r));
    }
    // With the process gone, the next lab cleans up after it.
    const lab = await Lab.create(["n1"], () => {});
    lab.destroy();
    expect(await linkExists(old.bridge)).toBe(false);
    expect(await nsExists(old.ns)).toBe(false);
  });
});
