/** The nebula-cert runner against the real binary configured for this run (NEBULA_CERT_BIN). */
import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import { chmod, mkdtemp, rm, writeFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { createCa, unsealCaKey } from "./certificate-authority";
import { NebulaCert, nebulaCert, withTempDir } from "./nebula-cert";
import { signHost } from "./sign-host";

const run = promisify(execFile);
const scratch: string[] = [];
afterAll(async () => {
  for (const dir of scratch) await rm(dir, { recursive: true, force: true });
});

async function verify(caPem: string, certPem: string): Promise<void> {
  await withTempDir(async (dir) => {
    await writeFile(path.join(dir, "ca.crt"), caPem);
    await writeFile(path.join(dir, "host.crt"), certPem);
    await run(nebulaCert().bin, ["verify", "-ca", path.join(dir, "ca.crt"), "-crt", path.join(dir, "host.crt")], { timeout: 10_000 });
  });
}

describe(`nebula-cert ${process.env.NEBULA_CERT_BIN}`, () => {
  it("detects the version", async () => {
    const v = await nebulaCert().version();
    expect(v.text).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it("creates a v1 CA whose key is only ever stored sealed", async () => {
    const ca = await createCa(randomUUID(), { name: "Test CA", durationDays: 30, certVersion: 1 });
    expect(ca.certPem).toContain("-----BEGIN NEBULA CERTIFICATE-----");
    expect(ca.version).toBe(1);
    expect(ca.fingerprint).toMatch(/^[0-9a-f]{64}$/);
    expect(ca.keyCiphertext).not.toContain("PRIVATE KEY");
    expect(unsealCaKey(ca)).toMatch(/-----BEGIN NEBULA ED25519 PRIVATE KEY-----/);
    expect(Math.round((ca.notAfter.getTime() - ca.notBefore.getTime()) / 86_400_000)).toBe(30);
  });

  it("signs a host's own public key (-in-pub) and the result verifies against the CA", async () => {
    const ca = await createCa(randomUUID(), { name: "Sign CA", durationDays: 30, certVersion: 1 });
    const pub = await withTempDir(async (dir) => {
      await nebulaCert().run(["keygen", "-out-pub", path.join(dir, "h.pub"), "-out-key", path.join(dir, "h.key")], dir);
      return (await import("node:fs/promises")).readFile(path.join(dir, "h.pub"), "utf8");
    });
    const signed = await signHost({
      ca: { certPem: ca.certPem, keyPem: unsealCaKey(ca), notAfter: ca.notAfter, version: 1 },
      name: "web-1",
      ipWithPrefix: "10.99.0.5/16",
      groups: ["db", "web"],
      publicKeyPem: pub,
      durationHours: 24 * 365, // longer than the CA: clamped, not refused
    });
    expect(signed.privateKeyPem).toBeNull();
    expect(signed.details).toMatchObject({ name: "web-1", networks: ["10.99.0.5/16"], groups: ["db", "web"], isCa: false, issuer: ca.fingerprint });
    expect(signed.details.notAfter.getTime()).toBeLessThanOrEqual(ca.notAfter.getTime());
    await verify(ca.certPem, signed.certPem);
  });

  it("makes a key pair for a bundle and returns the private key once", async () => {
    const ca = await createCa(randomUUID(), { name: "Bundle CA", durationDays: 30, certVersion: 1 });
    const signed = await signHost({ ca: { certPem: ca.certPem, keyPem: unsealCaKey(ca), notAfter: ca.notAfter, version: 1 }, name: "laptop", ipWithPrefix: "10.99.0.6/16", groups: [], publicKeyPem: null, durationHours: 24 });
    expect(signed.privateKeyPem).toContain("NEBULA X25519 PRIVATE KEY");
    expect(signed.publicKeyPem).toContain("NEBULA X25519 PUBLIC KEY");
    await verify(ca.certPem, signed.certPem);
  });

  it("passes hostile strings as literal arguments: no shell ever sees them", async () => {
    const marker = path.join(tmpdir(), `nc-pwned-${randomUUID()}`);
    const ca = await createCa(randomUUID(), { name: "Shell CA", durationDays: 30, certVersion: 1 });
    const hostile = `x$(touch ${marker});touch ${marker}\`touch ${marker}\``;
    const signed = await signHost({ ca: { certPem: ca.certPem, keyPem: unsealCaKey(ca), notAfter: ca.notAfter, version: 1 }, name: hostile, ipWithPrefix: "10.99.0.7/16", groups: [`g;touch ${marker}`], publicKeyPem: null, durationHours: 24 });
    expect(signed.details.name).toBe(hostile);
    expect(existsSync(marker)).toBe(false);
  });

  it("reports a missing binary, a failing command and a timeout clearly", async () => {
    await expect(new NebulaCert("/nonexistent/nebula-cert").version()).rejects.toThrow(/not found at "\/nonexistent\/nebula-cert"/);
    await expect(withTempDir((dir) => nebulaCert().run(["sign", "-name", "x"], dir))).rejects.toThrow(/nebula-cert sign failed/);
    const dir = await mkdtemp(path.join(tmpdir(), "nc-slow-"));
    scratch.push(dir);
    const slow = path.join(dir, "slow-nebula-cert");
    await writeFile(slow, "#!/bin/sh\nsleep 5\n");
    await chmod(slow, 0o755);
    await expect(withTempDir((d) => new NebulaCert(slow, 300).run(["-version"], d))).rejects.toThrow(/did not finish within 300 ms/);
  });

  it("leaves no temporary directory behind, even on failure", async () => {
    let seen = "";
    await withTempDir(async (dir) => {
      seen = dir;
      throw new Error("boom");
    }).catch(() => {});
    expect(existsSync(seen)).toBe(false);
  });
});
