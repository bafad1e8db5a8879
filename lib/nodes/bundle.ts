/** A zip of everything a host needs: config.yml, ca.crt, host.crt, and host.key when made here. */
import { zipSync, strToU8 } from "fflate";

export function buildBundle(files: { configYaml: string; caPem: string; certPem: string; keyPem: string | null }): Uint8Array {
  const entries: Record<string, Uint8Array> = {
    "config.yml": strToU8(files.configYaml),
    "ca.crt": strToU8(files.caPem),
    "host.crt": strToU8(files.certPem),
  };
  if (files.keyPem) entries["host.key"] = strToU8(files.keyPem);
  return zipSync(entries, { level: 6 });
}
