/** Creating a network's CA with nebula-cert, and unsealing its key for signing. */
import { z } from "zod";
import { decryptSecret, encryptSecret } from "./secret-box";
import { nebulaCert, NebulaCertError, type NebulaCert } from "./nebula-cert";

export const caOptionsSchema = z
  .object({
    name: z
      .string()
      .trim()
      .min(1, "Enter a CA name")
      .max(64, "Use at most 64 characters")
      .regex(/^[A-Za-z0-9 ._-]+$/, "Use letters, digits, spaces, '.', '_' or '-'"),
    durationDays: z.number().int().min(1, "At least one day").max(3650, "At most ten years").default(730),
    certVersion: z.union([z.literal(1), z.literal(2)]).default(1),
  })
  .strict();
export type CaOptions = z.infer<typeof caOptionsSchema>;

export interface NewCa {
  id: string;
  name: string;
  certPem: string;
  keyCiphertext: string;
  fingerprint: string;
  notBefore: Date;
  notAfter: Date;
  version: number;
}

/** The additional authenticated data that binds a sealed key to its CA row. */
export const caKeyAad = (caId: string) => `ca-key:${caId}`;

/**
 * Runs `nebula-cert ca` and returns the certificate with its key already sealed. No file outlives
 * this call. `id` is chosen here because the key's encryption is bound to it.
 */
export async function createCa(id: string, options: CaOptions, runner: NebulaCert = nebulaCert()): Promise<NewCa> {
  const supportsVersion = await runner.supportsV2();
  if (options.certVersion === 2 && !supportsVersion) {
    throw new Error("v2 certificates need nebula-cert 1.10 or later");
  }
  const args = ["ca", "-name", options.name, "-duration", `${options.durationDays * 24}h`, "-out-crt", "ca.crt", "-out-key", "ca.key"];
  // 1.10+ makes v2 CAs by default, which 1.6 nodes cannot parse: always say which one we want.
  if (supportsVersion) args.push("-version", String(options.certVersion));
  const files = await runner.runInWorkspace(args, {}, ["ca.crt", "ca.key"]);
  const pem = files["ca.crt"];
  const keyPem = files["ca.key"];
  if (!pem || !keyPem) throw new NebulaCertError("nebula-cert ca wrote no certificate or key");
  const details = await runner.detailsOf(pem);
  return {
    id,
    name: options.name,
    certPem: pem,
    keyCiphertext: encryptSecret(keyPem, caKeyAad(id)),
    fingerprint: details.fingerprint,
    notBefore: details.notBefore,
    notAfter: details.notAfter,
    version: details.version,
  };
}

export function unsealCaKey(ca: { id: string; keyCiphertext: string }): string {
  return decryptSecret(ca.keyCiphertext, caKeyAad(ca.id));
}
