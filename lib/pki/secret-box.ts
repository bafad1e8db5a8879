/**
 * At-rest encryption for CA keys: AES-256-GCM, a fresh random 96-bit nonce per value, and a
 * prefix naming the format and the key, so the master key can be rotated (scripts/rotate-master-key.ts).
 *
 *   nc1:<key id>:<base64url(nonce | ciphertext | tag)>
 *
 * The key id is derived from the key itself (first 8 bytes of its SHA-256), so operators never
 * number keys by hand. The value is bound to its row through the additional authenticated data,
 * so a ciphertext copied onto another CA does not decrypt.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from "node:crypto";

const FORMAT = "nc1";

export interface MasterKey {
  id: string;
  key: Buffer;
}

export function parseMasterKey(base64: string): MasterKey {
  const key = Buffer.from(base64.trim(), "base64");
  if (key.length !== 32) throw new Error("A master key must be 32 random bytes in base64 (openssl rand -base64 32)");
  return { id: createHash("sha256").update(key).digest("hex").slice(0, 16), key };
}

/** NC_MASTER_KEY encrypts; NC_MASTER_KEY_PREVIOUS (comma-separated) may still decrypt during a rotation. */
export function masterKeysFromEnv(env: NodeJS.ProcessEnv = process.env): { current: MasterKey; all: MasterKey[] } {
  if (!env.NC_MASTER_KEY) {
    throw new Error("NC_MASTER_KEY is not set: it encrypts the CA keys. Generate one with `openssl rand -base64 32`.");
  }
  const current = parseMasterKey(env.NC_MASTER_KEY);
  const previous = (env.NC_MASTER_KEY_PREVIOUS ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean)
    .map(parseMasterKey);
  return { current, all: [current, ...previous] };
}

export function encryptSecret(plaintext: string, aad: string, key: MasterKey = masterKeysFromEnv().current): string {
  const nonce = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", key.key, nonce);
  cipher.setAAD(Buffer.from(aad));
  const body = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
  return `${FORMAT}:${key.id}:${Buffer.concat([nonce, body, cipher.getAuthTag()]).toString("base64url")}`;
}

export function keyIdOf(ciphertext: string): string | null {
  const [format, id] = ciphertext.split(":");
  return format === FORMAT && id ? id : null;
}

export function decryptSecret(ciphertext: string, aad: string, keys: MasterKey[] = masterKeysFromEnv().all): string {
  const [format, id, payload] = ciphertext.split(":");
  if (format !== FORMAT || !id || !payload) throw new Error("Not an encrypted value this version understands");
  const key = keys.find((k) => k.id === id);
  if (!key) throw new Error(`The master key ${id} that encrypted this value is not configured (set it in NC_MASTER_KEY_PREVIOUS)`);
  const raw = Buffer.from(payload, "base64url");
  const decipher = createDecipheriv("aes-256-gcm", key.key, raw.subarray(0, 12));
  decipher.setAAD(Buffer.from(aad));
  decipher.setAuthTag(raw.subarray(raw.length - 16));
  return Buffer.concat([decipher.update(raw.subarray(12, raw.length - 16)), decipher.final()]).toString("utf8");
}
