/**
 * Certificates per second through the app's signing path (`signHost`: temp dir, key files,
 * nebula-cert sign, reading the result), beside a raw loop of `nebula-cert sign` with the same
 * flags and pre-written files, run from a small process of its own (raw-sign-loop.ts says why),
 * for each nebula-cert binary on this machine. A third row, sign plus
 * `print -json`, is the two-spawn path signHost took before it decoded v1 certificates itself.
 */
import { randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { createCa, unsealCaKey } from "@/lib/pki/certificate-authority";
import { NebulaCert, scratchRoot, withTempDir } from "@/lib/pki/nebula-cert";
import { signHost, type SignRequest } from "@/lib/pki/sign-host";
import { Deadline, formatRatio } from "./measure";
import { RawSignLoop } from "./raw-sign-loop";
import { printReport } from "./table";

const BINARIES = ["/usr/bin/nebula-cert", path.resolve(import.meta.dirname, "../.cache/nebula/v1.10.3/nebula-cert")];
const CERTIFICATES_PER_PATH = 150;
/** Paths take turns in blocks this long, so that a noisy moment on the machine hits all of them alike. */
const BLOCK = 5;
const BUDGET_PER_BINARY_MS = 60_000;
const COMMAND_TIMEOUT_MS = 15_000;
const GROUPS = ["bench", "web"];
const DURATION_HOURS = 24;

interface Fixture {
  runner: NebulaCert;
  versionText: string;
  current: boolean;
  caCertPem: string;
  caKeyPem: string;
  caNotAfter: Date;
  publicKeyPem: string;
  dir: string;
}

interface SigningPath {
  label: string;
  signOne(index: number): Promise<void>;
}

interface PathResult {
  label: string;
  count: number;
  ms: number;
}

export async function run(): Promise<void> {
  for (const bin of BINARIES) {
    if (!existsSync(bin)) {
      console.log(`\n(signing: ${bin} is not installed; skipped)`);
      continue;
    }
    const fixture = await prepare(bin);
    const rawLoop = new RawSignLoop(bin, COMMAND_TIMEOUT_MS);
    try {
      report(fixture, await measure(signingPaths(fixture, rawLoop)));
    } finally {
      rawLoop.close();
      await rm(fixture.dir, { recursive: true, force: true });
    }
  }
}

/** A v1 CA made by the app's own createCa, its key unsealed, and one host public key, all written once. */
async function prepare(bin: string): Promise<Fixture> {
  const runner = new NebulaCert(bin, COMMAND_TIMEOUT_MS);
  const version = await runner.version();
  const current = await runner.supportsV2();
  const ca = await createCa(randomUUID(), { name: "Bench CA", durationDays: 30, certVersion: 1 }, runner);
  const caKeyPem = unsealCaKey(ca);
  const publicKeyPem = await withTempDir(async (dir) => {
    await runner.run(["keygen", "-out-pub", path.join(dir, "host.pub"), "-out-key", path.join(dir, "host.key")], dir);
    return readFile(path.join(dir, "host.pub"), "utf8");
  });
  // Where signHost keeps its files too (memory-backed /dev/shm), so both paths write alike.
  const dir = await mkdtemp(path.join(scratchRoot(), "nc-bench-sign-"));
  await writeFile(path.join(dir, "ca.crt"), ca.certPem);
  await writeFile(path.join(dir, "ca.key"), caKeyPem, { mode: 0o600 });
  await writeFile(path.join(dir, "host.pub"), publicKeyPem);
  return { runner, versionText: version.text, current, caCertPem: ca.certPem, caKeyPem, caNotAfter: ca.notAfter, publicKeyPem, dir };
}

const hostName = (i: number) => `bench-${i}`;
const hostIp = (i: number) => `10.70.${Math.floor(i / 250)}.${(i % 250) + 1}/16`;

function signingPaths(f: Fixture, rawLoop: RawSignLoop): SigningPath[] {
  const file = (name: string) => path.join(f.dir, name);
  // The flags signHost passes, so the raw loop does the same cryptographic work.
  const rawSignArgs = (i: number, out: string) => [
    "sign",
    "-ca-crt",
    file("ca.crt"),
    "-ca-key",
    file("ca.key"),
    "-name",
    hostName(i),
    "-out-crt",
    out,
    f.current ? "-networks" : "-ip",
    hostIp(i),
    ...(f.current ? ["-version", "1"] : []),
    "-groups",
    GROUPS.join(","),
    "-duration",
    `${DURATION_HOURS}h`,
    "-in-pub",
    file("host.pub"),
  ];
  const raw = (args: string[]) => rawLoop.one({ args, cwd: f.dir });
  const request = (i: number): SignRequest => ({
    ca: { certPem: f.caCertPem, keyPem: f.caKeyPem, notAfter: f.caNotAfter, version: 1 },
    name: hostName(i),
    ipWithPrefix: hostIp(i),
    groups: GROUPS,
    publicKeyPem: f.publicKeyPem,
    durationHours: DURATION_HOURS,
  });
  return [
    {
      label: "baseline: raw nebula-cert sign loop",
      signOne: async (i) => {
        await raw(rawSignArgs(i, file(`raw-${i}.crt`)));
      },
    },
    {
      label: "app: signHost",
      signOne: async (i) => {
        await signHost(request(i), f.runner);
      },
    },
    {
      label: "raw sign + print -json (signHost before)",
      signOne: async (i) => {
        const out = file(`printed-${i}.crt`);
        await raw(rawSignArgs(i, out));
        await raw(["print", "-json", "-path", out]);
      },
    },
  ];
}

/** Runs the paths in alternating blocks until each has signed its count or the budget is spent. */
async function measure(paths: SigningPath[]): Promise<PathResult[]> {
  const results = paths.map((p) => ({ label: p.label, count: 0, ms: 0 }));
  const deadline = new Deadline(BUDGET_PER_BINARY_MS);
  while (!deadline.passed && results.some((r) => r.count < CERTIFICATES_PER_PATH)) {
    for (const [index, signingPath] of paths.entries()) {
      const result = results[index]!;
      const blockEnd = Math.min(result.count + BLOCK, CERTIFICATES_PER_PATH);
      const started = performance.now();
      for (; result.count < blockEnd; result.count++) await signingPath.signOne(result.count);
      result.ms += performance.now() - started;
    }
  }
  return results;
}

function report(f: Fixture, results: PathResult[]): void {
  const rate = (r: PathResult) => (r.count / r.ms) * 1000;
  const baseline = results[0]!;
  const app = results[1]!;
  printReport({
    title: `Signing host certificates (v1, -in-pub) with nebula-cert ${f.versionText}`,
    goal: "app path >= 70% of the raw nebula-cert sign loop's rate",
    columns: ["path", "certificates", "seconds", "certs/s", "ms/cert", "vs raw loop"],
    rows: results.map((r) => [r.label, String(r.count), (r.ms / 1000).toFixed(2), rate(r).toFixed(1), (r.ms / r.count).toFixed(1), formatRatio(rate(r) / rate(baseline))]),
    notes: [`app path / raw loop = ${formatRatio(rate(app) / rate(baseline))} (sequential, ${BLOCK} at a time per path, taking turns)`],
  });
}
