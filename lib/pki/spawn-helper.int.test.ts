/**
 * The spawn helper runs real programs (the real nebula-cert among them) for the app: the answers
 * and failures come back as execFile's would, the child sees only the environment it is given,
 * and a helper that dies is replaced on the next run.
 */
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { nebulaCertPath } from "./nebula-cert";
import { execFileViaHelper, HelperRunError, spawnHelperPid } from "./spawn-helper";

const opts = { cwd: "/tmp", timeoutMs: 10_000, maxBuffer: 1024 * 1024, env: { PATH: process.env.PATH ?? "/usr/bin:/bin" } };

describe("spawn helper", () => {
  it("runs nebula-cert from a process of its own, and keeps that process for the next run", async () => {
    const { stdout } = await execFileViaHelper(nebulaCertPath(), ["-version"], opts);
    expect(stdout).toMatch(/Version: \d+\.\d+\.\d+/);
    const pid = spawnHelperPid();
    expect(pid).not.toBeNull();
    expect(pid).not.toBe(process.pid);
    await execFileViaHelper(nebulaCertPath(), ["-version"], opts);
    expect(spawnHelperPid()).toBe(pid);
  });

  it("gives the child only the environment it is given", async () => {
    const { stdout } = await execFileViaHelper("env", [], { ...opts, env: { PATH: opts.env.PATH, NC_PROBE: "yes" } });
    expect(stdout.trim().split("\n").sort()).toEqual(["NC_PROBE=yes", `PATH=${opts.env.PATH}`]);
    expect(process.env.DATABASE_URL, "the test itself has secrets in its environment").toBeTruthy();
  });

  it("reports a missing program, a failure and a timeout as execFile would", async () => {
    const missing = await execFileViaHelper("/nonexistent/nebula-cert", [], opts).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(HelperRunError);
    expect((missing as HelperRunError).code).toBe("ENOENT");
    const failed = await execFileViaHelper(nebulaCertPath(), ["print", "-path", "/nonexistent.crt"], opts).catch((e: unknown) => e);
    expect((failed as HelperRunError).code).toBe(1);
    expect((failed as HelperRunError).stderr + (failed as HelperRunError).stdout).toMatch(/nonexistent/);
    const slow = await execFileViaHelper("sleep", ["5"], { ...opts, timeoutMs: 200 }).catch((e: unknown) => e);
    expect((slow as HelperRunError).killed).toBe(true);
  });

  it("starts a new helper after the old one died, and fails the run it took with it", async () => {
    await execFileViaHelper("true", [], opts);
    const pid = spawnHelperPid()!;
    const inFlight = execFileViaHelper("sleep", ["3"], opts).catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 200));
    process.kill(pid, "SIGKILL");
    expect(String(await inFlight)).toMatch(/spawn helper exited/);
    await execFileViaHelper("true", [], opts);
    expect(spawnHelperPid()).not.toBe(pid);
    expect(spawnHelperPid()).not.toBeNull();
  });

  describe("workspace", () => {
    let root = "";
    const fresh = () => (root = mkdtempSync(path.join(tmpdir(), "nc-helper-test-")));
    afterEach(() => rmSync(root, { recursive: true, force: true }));

    it("writes the input files 0600 in a private directory, answers with the outputs, and removes the directory", async () => {
      fresh();
      const copied = await execFileViaHelper("cp", ["in.txt", "out.txt"], { ...opts, workspace: { root, write: { "in.txt": "secret\n" }, read: ["out.txt", "never.txt"] } });
      expect(copied.files).toEqual({ "out.txt": "secret\n", "never.txt": null });
      const listed = await execFileViaHelper("stat", ["-c", "%a %n", ".", "in.txt"], { ...opts, workspace: { root, write: { "in.txt": "x" }, read: [] } });
      expect(listed.stdout.trim().split("\n")).toEqual(["700 .", "600 in.txt"]);
      expect(readdirSync(root)).toEqual([]);
    });

    it("removes the directory when the program fails, and answers with no files", async () => {
      fresh();
      const failed = await execFileViaHelper("cp", ["missing.txt", "out.txt"], { ...opts, workspace: { root, write: { "in.txt": "x" }, read: ["out.txt"] } }).catch((e: unknown) => e);
      expect(failed).toBeInstanceOf(HelperRunError);
      expect((failed as HelperRunError).stderr).toMatch(/missing\.txt/);
      expect(readdirSync(root)).toEqual([]);
    });

    it("answers a program's output, which goes to files there, and refuses output past maxBuffer", async () => {
      fresh();
      const both = await execFileViaHelper(process.execPath, ["-e", "process.stdout.write('out\\n'); process.stderr.write('err\\n')"], { ...opts, workspace: { root, write: {}, read: [] } });
      expect([both.stdout, both.stderr]).toEqual(["out\n", "err\n"]);
      const flooded = await execFileViaHelper("head", ["-c", "1000000", "/dev/zero"], { ...opts, maxBuffer: 10_000, workspace: { root, write: {}, read: [] } }).catch((e: unknown) => e);
      expect(flooded).toBeInstanceOf(HelperRunError);
      expect((flooded as HelperRunError).code).toBe("EMAXBUFFER");
      expect((flooded as HelperRunError).stdout).toBe("");
      expect(readdirSync(root)).toEqual([]);
    });
  });

  it("kills a program whose output passes maxBuffer", async () => {
    const flooded = await execFileViaHelper("head", ["-c", "1000000", "/dev/zero"], { ...opts, maxBuffer: 10_000 }).catch((e: unknown) => e);
    expect(flooded).toBeInstanceOf(HelperRunError);
    expect((flooded as HelperRunError).killed).toBe(true);
  });
});
