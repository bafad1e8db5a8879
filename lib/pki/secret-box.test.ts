import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { decryptSecret, encryptSecret, keyIdOf, masterKeysFromEnv, parseMasterKey } from "./secret-box";

const keyA = parseMasterKey(randomBytes(32).toString("base64"));
const keyB = parseMasterKey(randomBytes(32).toString("base64"));
const secret = "-----BEGIN NEBULA ED25519 PRIVATE KEY-----\nabc\n-----END NEBULA ED25519 PRIVATE KEY-----\n";

describe("secret-box", () => {
  it("round-trips, with a fresh nonce every time", () => {
    const one = encryptSecret(secret, "ca-key:1", keyA);
    const two = encryptSecret(secret, "ca-key:1", keyA);
    expect(one).not.toBe(two);
    expect(one).not.toContain("PRIVATE KEY");
    expect(one.startsWith(`nc1:${keyA.id}:`)).toBe(true);
    expect(decryptSecret(one, "ca-key:1", [keyA])).toBe(secret);
  });

  it("refuses a ciphertext moved to another row, tampered with, or under an unknown key", () => {
    const sealed = encryptSecret(secret, "ca-key:1", keyA);
    expect(() => decryptSecret(sealed, "ca-key:2", [keyA])).toThrow();
    const bytes = Buffer.from(sealed.split(":")[2]!, "base64url");
    bytes[20]! ^= 1;
    expect(() => decryptSecret(`nc1:${keyA.id}:${bytes.toString("base64url")}`, "ca-key:1", [keyA])).toThrow();
    expect(() => decryptSecret(sealed, "ca-key:1", [keyB])).toThrow(/not configured/);
  });

  it("decrypts with a previous key during a rotation", () => {
    const sealed = encryptSecret(secret, "x", keyA);
    const env = { NC_MASTER_KEY: keyB.key.toString("base64"), NC_MASTER_KEY_PREVIOUS: keyA.key.toString("base64") } as unknown as NodeJS.ProcessEnv;
    const keys = masterKeysFromEnv(env);
    expect(keys.current.id).toBe(keyB.id);
    expect(decryptSecret(sealed, "x", keys.all)).toBe(secret);
    expect(keyIdOf(sealed)).toBe(keyA.id);
  });

  it("rejects master keys of the wrong size and a missing one", () => {
    expect(() => parseMasterKey(randomBytes(16).toString("base64"))).toThrow(/32 random bytes/);
    expect(() => masterKeysFromEnv({} as NodeJS.ProcessEnv)).toThrow(/NC_MASTER_KEY/);
  });
});
