/**
 * The v1 fast path must say exactly what `nebula-cert print -json` says, for both nebula-cert
 * versions the app supports, and must decline (null) whatever it cannot read with certainty.
 */
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { nebulaVersions } from "@/lib/testing/nebula-binaries";
import { readV1Certificate } from "./cert-v1";
import { parsePrintJson } from "./nebula-cert";

const execFileAsync = promisify(execFile);
const COMMAND_TIMEOUT_MS = 10_000;
const SETUP_TIMEOUT_MS = 30_000;

async function runNebulaCert(bin: string, args: string[], cwd: string): Promise<string> {
  const { stdout } = await execFileAsync(bin, args, { cwd, timeout: COMMAND_TIMEOUT_MS });
  return stdout;
}

/** 1.10 renamed -ip/-ips/-subnets and added -version; 1.6 knows only the old flags. */
async function supportsVersionFlag(bin: string, cwd: string): Promise<boolean> {
  const m = /Version:\s*(\d+)\.(\d+)/.exec(await runNebulaCert(bin, ["-version"], cwd));
  if (!m) throw new Error(`${bin}: unreadable version`);
  return Number(m[1]) > 1 || Number(m[2]) >= 10;
}

function pemWithBody(banner: string, body: Uint8Array | string): string {
  const base64 = typeof body === "string" ? body : Buffer.from(body).toString("base64");
  return `-----BEGIN ${banner}-----\n${base64}\n-----END ${banner}-----\n`;
}

function pemBody(pem: string): Buffer {
  return Buffer.from(pem.split("\n").filter((line) => line && !line.startsWith("-----")).join(""), "base64");
}

/** The same certificate with its Details length written as a two-byte varint: valid protobuf, but not what Go writes. */
function withPaddedDetailsLength(der: Buffer): Buffer {
  let last = 1;
  while ((der[last]! & 0x80) !== 0) last += 1;
  return Buffer.concat([der.subarray(0, last), Buffer.from([der[last]! | 0x80, 0x00]), der.subarray(last + 1)]);
}

// Made by nebula-cert 1.6.1: `sign -name h1 -ip 10.42.0.5/16 -groups web,db -subnets 192.168.1.0/24`.
const HOST_PEM_1_6 = `-----BEGIN NEBULA CERTIFICATE-----
CnQKAmgxEgmFgKhRgID8/w8aCoCCoIUMgP7//w8iA3dlYiICZGIo3p2d2AYw3cCi
2AY6IFiCDjx7m55orDi/hdsk56Wk0Jfapt+2Nt9ekWWc6/EiSiDD+iOikpqZ9X92
ZT7NepVwXDi677gKmQaiF88bDctqaRJAQWaR/bOoaMSs4TtQcK2VNn0LI0elihGj
xoAlsKTJgjcSB+7hhOsyxlXqVny9HTImg3NRu7ASWbMmlX3aQtSDBw==
-----END NEBULA CERTIFICATE-----
`;

describe("readV1Certificate on fixed input", () => {
  it("reads a certificate made by nebula-cert 1.6.1 as its print -json did", () => {
    expect(readV1Certificate(HOST_PEM_1_6)).toStrictEqual({
      name: "h1",
      networks: ["10.42.0.5/16"],
      unsafeNetworks: ["192.168.1.0/24"],
      groups: ["web", "db"],
      notBefore: new Date("2026-11-25T21:10:54Z"),
      notAfter: new Date("2026-11-26T21:10:53Z"),
      isCa: false,
      issuer: "c3fa23a2929a99f57f76653ecd7a95705c38baefb80a9906a217cf1b0dcb6a69",
      publicKey: "58820e3c7b9b9e68ac38bf85db24e7a5a4d097daa6dfb636df5e91659cebf122",
      fingerprint: "97723cff1bdfa9b8adc2c85b3e16773e006f3b6655e8d62c90939e95d2e8fab3",
      version: 1,
    });
  });

  it("accepts CRLF line ends", () => {
    expect(readV1Certificate(HOST_PEM_1_6.replaceAll("\n", "\r\n"))?.name).toBe("h1");
  });

  it.each([
    ["empty text", ""],
    ["plain text", "not a certificate"],
    ["a host key", pemWithBody("NEBULA X25519 PUBLIC KEY", new Uint8Array(32).fill(7))],
    ["the v2 banner around a v1 body", pemWithBody("NEBULA CERTIFICATE V2", pemBody(HOST_PEM_1_6))],
    ["two certificates in one text", HOST_PEM_1_6 + HOST_PEM_1_6],
    ["invalid base64", pemWithBody("NEBULA CERTIFICATE", "CnQK!!!mgx")],
    ["an empty body", pemWithBody("NEBULA CERTIFICATE", "")],
    ["a truncated body", pemWithBody("NEBULA CERTIFICATE", pemBody(HOST_PEM_1_6).subarray(0, 60))],
    ["random bytes", pemWithBody("NEBULA CERTIFICATE", Uint8Array.from({ length: 96 }, (_, i) => (i * 151 + 7) & 0xff))],
    ["a varint longer than ten bytes", pemWithBody("NEBULA CERTIFICATE", new Uint8Array(12).fill(0xff))],
    ["a signature without Details", pemWithBody("NEBULA CERTIFICATE", Uint8Array.from([0x12, 0x02, 0xaa, 0xbb]))],
    ["a non-canonical encoding (its fingerprint would differ)", pemWithBody("NEBULA CERTIFICATE", withPaddedDetailsLength(pemBody(HOST_PEM_1_6)))],
  ])("returns null for %s", (_label, text) => {
    expect(readV1Certificate(text)).toBeNull();
  });
});

describe.each(nebulaVersions)("readV1Certificate against nebula-cert $label", (binaries) => {
  const bin = binaries.nebulaCert;
  let dir = "";
  let current = false;
  const file = (name: string) => path.join(dir, name);
  /** Flags spelled for this binary, always asking for v1 (1.10 would make v2 by default). */
  const flags = {
    version1: () => (current ? ["-version", "1"] : []),
    hostNetwork: (cidr: string) => [current ? "-networks" : "-ip", cidr],
    caNetworks: (cidrs: string) => [current ? "-networks" : "-ips", cidrs],
    unsafeNetworks: (cidrs: string) => [current ? "-unsafe-networks" : "-subnets", cidrs],
  };

  async function printed(certPath: string) {
    const details = parsePrintJson(await runNebulaCert(bin, ["print", "-json", "-path", certPath], dir));
    expect(details).toHaveLength(1);
    return details[0];
  }

  async function expectSameAsPrint(certPath: string): Promise<void> {
    const pem = await readFile(certPath, "utf8");
    const fromPrint = await printed(certPath);
    expect(fromPrint?.version).toBe(1);
    expect(readV1Certificate(pem)).toStrictEqual(fromPrint);
  }

  async function signHost(out: string, ca: string, extra: string[]): Promise<string> {
    const args = ["sign", ...flags.version1(), "-ca-crt", file(`${ca}.crt`), "-ca-key", file(`${ca}.key`), "-out-crt", file(`${out}.crt`), ...extra];
    if (!extra.includes("-in-pub")) args.push("-out-key", file(`${out}.key`));
    await runNebulaCert(bin, args, dir);
    return file(`${out}.crt`);
  }

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "nc-cert-v1-"));
    current = await supportsVersionFlag(bin, dir);
    await runNebulaCert(bin, ["ca", ...flags.version1(), "-name", "Plain CA", "-duration", "48h", "-out-crt", file("plain.crt"), "-out-key", file("plain.key")], dir);
    await runNebulaCert(
      bin,
      ["ca", ...flags.version1(), "-name", "Constrained CA", "-duration", "48h", "-groups", "web,db,ops", ...flags.caNetworks("10.42.0.0/16,10.99.0.0/24"), "-out-crt", file("constrained.crt"), "-out-key", file("constrained.key")],
      dir,
    );
  }, SETUP_TIMEOUT_MS);

  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("reads a CA certificate without constraints", async () => {
    await expectSameAsPrint(file("plain.crt"));
  });

  it("reads a CA certificate with groups and several networks", async () => {
    await expectSameAsPrint(file("constrained.crt"));
  });

  it("reads a host certificate with groups", async () => {
    await expectSameAsPrint(await signHost("grouped", "plain", ["-name", "web-1", ...flags.hostNetwork("10.42.0.5/16"), "-groups", "web,db,z-last,a-first", "-duration", "12h"]));
  });

  it("reads a host certificate without groups", async () => {
    await expectSameAsPrint(await signHost("bare", "plain", ["-name", "laptop", ...flags.hostNetwork("10.42.255.254/16")]));
  });

  it("reads a host certificate with unsafe networks and a /32", async () => {
    await expectSameAsPrint(await signHost("routed", "plain", ["-name", "gw.example.com", ...flags.hostNetwork("192.168.7.1/32"), ...flags.unsafeNetworks("172.16.0.0/12,192.168.100.0/24")]));
  });

  it("reads a host certificate signed from the host's own public key, under a constrained CA", async () => {
    await runNebulaCert(bin, ["keygen", "-out-pub", file("own.pub"), "-out-key", file("own.key")], dir);
    await expectSameAsPrint(await signHost("own", "constrained", ["-name", "db-1", ...flags.hostNetwork("10.99.0.7/24"), "-groups", "db", "-in-pub", file("own.pub")]));
  });

  it("declines the same certificate when it is re-encoded non-canonically", async () => {
    const der = pemBody(await readFile(file("plain.crt"), "utf8"));
    expect(readV1Certificate(pemWithBody("NEBULA CERTIFICATE", der))).not.toBeNull();
    expect(readV1Certificate(pemWithBody("NEBULA CERTIFICATE", withPaddedDetailsLength(der)))).toBeNull();
  });
});

describe("readV1Certificate on v2 certificates", () => {
  let dir = "";
  const file = (name: string) => path.join(dir, name);

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "nc-cert-v2-"));
  });

  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it(
    "returns null for a v2 CA and a v2 host certificate (nebula-cert 1.10+)",
    async () => {
      const versions = await Promise.all(nebulaVersions.map(async (v) => ({ bin: v.nebulaCert, current: await supportsVersionFlag(v.nebulaCert, dir) })));
      const bin = versions.find((v) => v.current)?.bin;
      if (!bin) throw new Error("no nebula-cert 1.10+ among the test binaries");
      await runNebulaCert(bin, ["ca", "-version", "2", "-name", "V2 CA", "-duration", "48h", "-out-crt", file("ca.crt"), "-out-key", file("ca.key")], dir);
      await runNebulaCert(bin, ["sign", "-version", "2", "-ca-crt", file("ca.crt"), "-ca-key", file("ca.key"), "-name", "v2-host", "-networks", "10.42.0.9/16", "-out-crt", file("host.crt"), "-out-key", file("host.key")], dir);
      for (const cert of ["ca.crt", "host.crt"]) {
        const details = parsePrintJson(await runNebulaCert(bin, ["print", "-json", "-path", file(cert)], dir));
        expect(details[0]?.version).toBe(2);
        expect(readV1Certificate(await readFile(file(cert), "utf8"))).toBeNull();
      }
    },
    SETUP_TIMEOUT_MS,
  );
});
