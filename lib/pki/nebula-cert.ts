/**
 * The only way the app runs `nebula-cert`: an argument array (never a shell), from a small helper
 * process (spawn-helper.ts), in a private 0700 temporary directory that is always removed (the
 * caller's, withTempDir, or for signing the helper's own, runInWorkspace), with a timeout. Knows
 * the flag differences between 1.6 (-ip/-subnets, one JSON object from print) and 1.10+
 * (-networks, -version, a JSON array from print).
 */
import { metrics } from "@/lib/metrics/registry";
import { accessSync, constants } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { AppError } from "@/lib/core/app-error";
import { wholeNumberOr, type Env } from "@/lib/core/whole-number-setting";
import { execFileViaHelper, HelperRunError, type HelperRunOptions } from "./spawn-helper";

/** NEBULA_CERT_TIMEOUT_MS, or 15 s: how long one nebula-cert run may take before it is killed. */
export function nebulaCertTimeoutMs(env: Env = process.env): number {
  return wholeNumberOr(env, "NEBULA_CERT_TIMEOUT_MS", { unit: "milliseconds", min: 100, max: 600_000 }, 15_000);
}

export interface NebulaCertVersion {
  text: string;
  major: number;
  minor: number;
  patch: number;
}

/** Parsed `nebula-cert print -json`, normalised across versions. */
export interface CertDetails {
  name: string;
  networks: string[];
  /** Routed subnets (v1 "subnets", v2 "unsafeNetworks"). */
  unsafeNetworks: string[];
  groups: string[];
  notBefore: Date;
  notAfter: Date;
  isCa: boolean;
  issuer: string;
  publicKey: string;
  fingerprint: string;
  version: number;
}

export class NebulaCertError extends AppError {
  constructor(message: string) {
    super("unavailable", message);
  }
}

export function nebulaCertPath(): string {
  return process.env.NEBULA_CERT_BIN || "nebula-cert";
}

/** Where nebula-cert runs: a directory of the caller's, or the helper's workspace. */
type RunPlace = Pick<HelperRunOptions, "cwd" | "workspace">;

async function runNebulaCert(bin: string, args: string[], place: RunPlace, timeoutMs: number) {
  try {
    // A minimal environment: nothing of the app's (database URL, master key) reaches the child.
    return await execFileViaHelper(bin, args, { ...place, timeoutMs, maxBuffer: 4 * 1024 * 1024, env: { PATH: process.env.PATH ?? "/usr/bin:/bin" } });
  } catch (error) {
    if (!(error instanceof HelperRunError)) throw error;
    if (error.code === "ENOENT") throw new NebulaCertError(`nebula-cert was not found at "${bin}". Install Debian's nebula package or set NEBULA_CERT_BIN.`);
    if (error.killed || error.signal === "SIGTERM") throw new NebulaCertError(`nebula-cert did not finish within ${timeoutMs} ms`);
    // stderr carries nebula-cert's own message (never key material: keys travel only as files).
    const detail = (error.stderr || error.stdout).trim().split("\n").slice(-3).join(" ").slice(0, 300);
    throw new NebulaCertError(`nebula-cert ${args[0]} failed: ${detail || error.message || `exit code ${String(error.code)}`}`);
  }
}

/**
 * Where key material briefly lives: NC_TMPDIR, else /dev/shm (memory, so a CA key never touches a
 * disk and the writes are cheap), else the OS temp dir.
 */
export function scratchRoot(): string {
  if (process.env.NC_TMPDIR) return process.env.NC_TMPDIR;
  try {
    accessSync("/dev/shm", constants.W_OK);
    return "/dev/shm";
  } catch {
    return tmpdir();
  }
}

/** A private workspace for one operation; everything in it (keys included) is gone afterwards. */
export async function withTempDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(path.join(scratchRoot(), "nc-pki-")); // mkdtemp creates it 0700
  try {
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

interface RawPrint {
  details: {
    name: string;
    ips?: string[];
    networks?: string[];
    subnets?: string[];
    unsafeNetworks?: string[];
    groups?: string[];
    notBefore: string;
    notAfter: string;
    isCa: boolean;
    issuer: string;
    publicKey: string;
  };
  fingerprint: string;
  publicKey?: string;
  version?: number;
}

/** 1.6 prints one JSON object per certificate (one per line); 1.10+ prints a JSON array. */
export function parsePrintJson(stdout: string): CertDetails[] {
  const text = stdout.trim();
  const raws: RawPrint[] = text.startsWith("[")
    ? (JSON.parse(text) as RawPrint[])
    : text
        .split("\n")
        .filter((l) => l.trim())
        .map((l) => JSON.parse(l) as RawPrint);
  return raws.map((r) => ({
    name: r.details.name,
    networks: r.details.networks ?? r.details.ips ?? [],
    unsafeNetworks: r.details.unsafeNetworks ?? r.details.subnets ?? [],
    groups: r.details.groups ?? [],
    notBefore: new Date(r.details.notBefore),
    notAfter: new Date(r.details.notAfter),
    isCa: r.details.isCa,
    issuer: r.details.issuer,
    publicKey: r.details.publicKey || r.publicKey || "",
    fingerprint: r.fingerprint,
    version: r.version ?? 1,
  }));
}

export class NebulaCert {
  private versionPromise: Promise<NebulaCertVersion> | null = null;

  constructor(
    readonly bin: string = nebulaCertPath(),
    readonly timeoutMs: number = nebulaCertTimeoutMs(),
  ) {}

  /** Runs nebula-cert in `cwd` (a directory from withTempDir). */
  async run(args: string[], cwd: string) {
    return this.runAt(args, { cwd });
  }

  /**
   * Runs nebula-cert in a private directory the spawn helper makes under scratchRoot() with the
   * files in `write`, and answers with the files named in `read` that it wrote there; the helper
   * removes the directory in the same run, so the app makes no file operation of its own.
   */
  async runInWorkspace(args: string[], write: Record<string, string>, read: string[]): Promise<Record<string, string | null>> {
    return (await this.runAt(args, { workspace: { root: scratchRoot(), write, read } })).files;
  }

  private async runAt(args: string[], place: RunPlace) {
    const end = metrics().nebulaCertSeconds.startTimer({ subcommand: args[0] ?? "" });
    try {
      const out = await runNebulaCert(this.bin, args, place, this.timeoutMs);
      end({ result: "ok" });
      return out;
    } catch (error) {
      end({ result: "error" });
      throw error;
    }
  }

  version(): Promise<NebulaCertVersion> {
    this.versionPromise ??= withTempDir(async (dir) => {
      const { stdout } = await this.run(["-version"], dir);
      const m = /Version:\s*(\d+)\.(\d+)\.(\d+)/.exec(stdout);
      if (!m) throw new NebulaCertError(`could not read the nebula-cert version from "${stdout.trim().slice(0, 80)}"`);
      return { text: `${m[1]}.${m[2]}.${m[3]}`, major: Number(m[1]), minor: Number(m[2]), patch: Number(m[3]) };
    }).catch((e) => {
      this.versionPromise = null; // a missing binary may be installed later; do not cache the failure
      throw e;
    });
    return this.versionPromise;
  }

  /** v2 certificates, -networks and -version arrived in 1.10. */
  async supportsV2(): Promise<boolean> {
    const v = await this.version();
    return v.major > 1 || (v.major === 1 && v.minor >= 10);
  }

  /** The details of one certificate held in memory (nebula-cert print, run in the helper's workspace). */
  async detailsOf(pem: string): Promise<CertDetails> {
    const { stdout } = await this.runAt(["print", "-json", "-path", "cert.crt"], { workspace: { root: scratchRoot(), write: { "cert.crt": pem }, read: [] } });
    const [details] = parsePrintJson(stdout);
    if (!details) throw new NebulaCertError("nebula-cert printed no certificate");
    return details;
  }
}

let shared: NebulaCert | null = null;
/** The process-wide runner for the configured binary. */
export function nebulaCert(): NebulaCert {
  if (!shared || shared.bin !== nebulaCertPath()) shared = new NebulaCert();
  return shared;
}
