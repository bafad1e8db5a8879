/** Secrets the demo generates once and keeps under .data/ (git-ignored, mode 0600). */
import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";

export interface LocalSecrets {
  nextAuthSecret: string;
  postgresPassword: string;
  masterKey: string;
}

export function loadOrCreateSecrets(dataDir: string): LocalSecrets {
  const file = path.join(dataDir, "secrets.json");
  const existing: Partial<LocalSecrets> = existsSync(file) ? JSON.parse(readFileSync(file, "utf8")) : {};
  const secrets: LocalSecrets = {
    nextAuthSecret: existing.nextAuthSecret ?? randomBytes(32).toString("base64url"),
    postgresPassword: existing.postgresPassword ?? randomBytes(18).toString("base64url"),
    masterKey: existing.masterKey ?? randomBytes(32).toString("base64"),
  };
  // The folder is traversable but not listable by others (0711): as root, the embedded Postgres
  // runs as a `postgres` user that must reach .data/pg. The secrets file itself stays 0600.
  mkdirSync(dataDir, { recursive: true, mode: 0o711 });
  chmodSync(dataDir, 0o711);
  writeFileSync(file, JSON.stringify(secrets, null, 2), { mode: 0o600 });
  chmodSync(file, 0o600);
  return secrets;
}
