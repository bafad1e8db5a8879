/** Test helpers that use the real nebula binaries: make host keys, verify certificates, test configs. */
import { execFile } from "node:child_process";
import { randomBytes, randomInt } from "node:crypto";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

/** The nebula-cert this run uses, and the nebula daemon from the same version. */
export function binaries() {
  const nebulaCert = process.env.NEBULA_CERT_BIN || "/usr/bin/nebula-cert";
  return { nebulaCert, nebula: path.join(path.dirname(nebulaCert), "nebula") };
}

async function inTemp<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(path.join(tmpdir(), "nc-test-"));
  try {
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** A host key pair made the way a host makes it. */
export function hostKeyPair(): Promise<{ publicKeyPem: string; privateKeyPem: string }> {
  return inTemp(async (dir) => {
    await run(binaries().nebulaCert, ["keygen", "-out-pub", `${dir}/h.pub`, "-out-key", `${dir}/h.key`], { timeout: 10_000 });
    return { publicKeyPem: await readFile(`${dir}/h.pub`, "utf8"), privateKeyPem: await readFile(`${dir}/h.key`, "utf8") };
  });
}

export function verifyCert(caPem: string, certPem: string): Promise<void> {
  return inTemp(async (dir) => {
    await writeFile(`${dir}/ca.crt`, caPem);
    await writeFile(`${dir}/host.crt`, certPem);
    await run(binaries().nebulaCert, ["verify", "-ca", `${dir}/ca.crt`, "-crt", `${dir}/host.crt`], { timeout: 10_000 });
  });
}

/**
 * Runs `nebula -test` on a rendered config with the files it points at written beside it.
 * `configYaml` must use paths under `dir`, so callers render with that directory.
 */
export async function nebulaTestConfig(render: (dir: string) => Promise<{ yaml: string; caPem: string; certPem: string }>, privateKeyPem: string): Promise<{ ok: boolean; output: string }> {
  return inTemp(async (dir) => {
    const config = await render(dir);
    await writeFile(`${dir}/ca.crt`, config.caPem);
    await writeFile(`${dir}/host.crt`, config.certPem);
    await writeFile(`${dir}/host.key`, privateKeyPem, { mode: 0o600 });
    await writeFile(`${dir}/config.yml`, config.yaml);
    try {
      const { stdout, stderr } = await run(binaries().nebula, ["-test", "-config", `${dir}/config.yml`], { timeout: 20_000 });
      return { ok: true, output: stdout + stderr };
    } catch (e) {
      const err = e as { stdout?: string; stderr?: string; message: string };
      return { ok: false, output: `${err.message}\n${err.stdout ?? ""}${err.stderr ?? ""}` };
    }
  });
}

/** The networks a certificate carries, as the real nebula-cert of this run prints them (v1 `ips` or v2 `networks`). */
export async function printedNetworks(pem: string): Promise<string[]> {
  return inTemp(async (dir) => {
    await writeFile(path.join(dir, "host.crt"), pem);
    const { stdout } = await run(binaries().nebulaCert, ["print", "-json", "-path", path.join(dir, "host.crt")], { timeout: 10_000 });
    const parsed = JSON.parse(stdout.trim().split("\n")[0]!) as unknown;
    const first = (Array.isArray(parsed) ? parsed[0] : parsed) as { details: { networks?: string[]; ips?: string[] } };
    return first.details.networks ?? first.details.ips ?? [];
  });
}

/**
 * A random unique local /64 per call, so reruns on one database never overlap. Each group is four
 * hex digits without a leading zero, so the text is already the canonical (RFC 5952) form the app
 * stores ("0c58" would be stored "c58") and tests may compare it as given.
 */
export function randomUla(): string {
  const group = () => (0x1000 + randomInt(0xf000)).toString(16);
  return `fd${randomBytes(1).toString("hex")}:${group()}:${group()}::/64`;
}
