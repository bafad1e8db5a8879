/**
 * The version the agent reports is the one of the nebula that reads the config: the binary's as it
 * was when nebula started, even after the binary on disk was upgraded, and the binary's as it is
 * now while nebula is not running. Real nebula 1.6.1 and 1.10.3 binaries swapped behind one path;
 * nebula runs with tun.disabled (no tun device, no root needed), on loopback.
 */
import { execFile } from "node:child_process";
import { mkdtemp, rm, symlink, unlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { nebulaVersions } from "@/lib/testing/nebula-binaries";
import { supervisedNebula, type NebulaRunner } from "./nebula-runner";

const run = promisify(execFile);
const [old, current] = [nebulaVersions[0]!, nebulaVersions.at(-1)!];
let dir: string;
let runner: NebulaRunner;
const bin = () => path.join(dir, "nebula");
const pointAt = async (target: string) => {
  await unlink(bin()).catch(() => undefined);
  await symlink(target, bin());
};

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "nc-runner-"));
  // v1 certificates: both versions read them.
  const cert = (args: string[]) => run(old.nebulaCert, args, { cwd: dir, timeout: 20_000 });
  await cert(["ca", "-name", "runner test", "-out-crt", "ca.crt", "-out-key", "ca.key"]);
  await cert(["sign", "-ca-crt", "ca.crt", "-ca-key", "ca.key", "-name", "h1", "-ip", "10.99.0.1/24", "-out-crt", "host.crt", "-out-key", "host.key"]);
  const config = [
    `pki: { ca: ${path.join(dir, "ca.crt")}, cert: ${path.join(dir, "host.crt")}, key: ${path.join(dir, "host.key")} }`,
    "static_host_map: {}",
    "lighthouse: { am_lighthouse: false, hosts: [] }",
    'listen: { host: "127.0.0.1", port: 0 }',
    "tun: { disabled: true }",
    "logging: { level: info }",
    "firewall: { outbound: [{ port: any, proto: any, host: any }], inbound: [] }",
  ].join("\n");
  await writeFile(path.join(dir, "config.yml"), `${config}\n`);
  await pointAt(old.nebula);
  runner = supervisedNebula({ nebulaBin: bin(), dir, log: () => undefined });
});

afterAll(async () => {
  await runner?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe("the nebula version the agent reports", () => {
  it("follows the binary on disk while nebula is not running", async () => {
    expect(await runner.version()).toBe("1.6.1");
    await pointAt(current.nebula);
    expect(await runner.version()).toMatch(/^1\.1\d\.\d+$/);
    await pointAt(old.nebula);
    expect(await runner.version()).toBe("1.6.1");
  });

  it("stays the running nebula's after the binary is upgraded, and moves with the next start", async () => {
    expect(await runner.restart()).toBeNull();
    expect(runner.state()).toBe("running");
    await pointAt(current.nebula);
    // The running 1.6.1 reads the config until it restarts: reporting 1.10 would get a config it cannot read.
    expect(await runner.version()).toBe("1.6.1");
    expect(await runner.restart()).toBeNull();
    expect(runner.state()).toBe("running");
    expect(await runner.version()).toMatch(/^1\.1\d\.\d+$/);
  }, 30_000);
});
