/**
 * The two Nebula versions every suite runs against: Debian's 1.6.1 and the current release built
 * from the Go module proxy by scripts/build-nebula.sh (its folder arrives as NEBULA_CURRENT_DIR).
 */
import { existsSync } from "node:fs";
import path from "node:path";

export interface NebulaBinaries {
  label: string;
  nebula: string;
  nebulaCert: string;
}

const currentDir = process.env.NEBULA_CURRENT_DIR ?? path.resolve(import.meta.dirname, "../../.cache/nebula/v1.10.3");

export const nebulaVersions: NebulaBinaries[] = [
  { label: "1.6.1 (Debian)", nebula: "/usr/bin/nebula", nebulaCert: "/usr/bin/nebula-cert" },
  { label: `${path.basename(currentDir)} (Go build)`, nebula: path.join(currentDir, "nebula"), nebulaCert: path.join(currentDir, "nebula-cert") },
];

for (const v of nebulaVersions) {
  if (!existsSync(v.nebula) || !existsSync(v.nebulaCert)) {
    throw new Error(`nebula ${v.label} is missing (${v.nebula}); npm test installs it (scripts/install-system-deps.sh, scripts/build-nebula.sh)`);
  }
}
