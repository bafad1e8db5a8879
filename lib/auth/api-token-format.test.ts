import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { API_TOKEN_LENGTH, checksumOf, displayPrefix, generateApiToken, hashApiToken, isWellFormedApiToken } from "./api-token-format";

describe("API token format", () => {
  it("is ncp_, 43 base62 random characters and a 6-character CRC32 checksum", () => {
    const token = generateApiToken();
    expect(token).toMatch(/^ncp_[0-9A-Za-z]{49}$/);
    expect(token).toHaveLength(API_TOKEN_LENGTH);
    expect(token.slice(-6)).toBe(checksumOf(token.slice(4, 47)));
    expect(isWellFormedApiToken(token)).toBe(true);
  });

  it("has at least 256 random bits and no repeats", () => {
    expect(43 * Math.log2(62)).toBeGreaterThanOrEqual(256);
    const many = new Set(Array.from({ length: 2000 }, generateApiToken));
    expect(many.size).toBe(2000);
  });

  it("uses the whole alphabet about evenly (no modulo bias towards the first characters)", () => {
    const counts = new Map<string, number>();
    for (let i = 0; i < 2000; i++) for (const c of generateApiToken().slice(4, 47)) counts.set(c, (counts.get(c) ?? 0) + 1);
    expect(counts.size).toBe(62);
    const expected = (2000 * 43) / 62;
    for (const n of counts.values()) expect(Math.abs(n - expected) / expected).toBeLessThan(0.15);
  });

  it("refuses a wrong checksum, a changed character, another prefix, a wrong length, other characters", () => {
    const token = generateApiToken();
    const flip = (s: string, i: number) => s.slice(0, i) + (s[i] === "a" ? "b" : "a") + s.slice(i + 1);
    expect(isWellFormedApiToken(flip(token, token.length - 1))).toBe(false);
    expect(isWellFormedApiToken(flip(token, 10))).toBe(false);
    expect(isWellFormedApiToken(`ncj_${token.slice(4)}`)).toBe(false);
    expect(isWellFormedApiToken(token.slice(0, -1))).toBe(false);
    expect(isWellFormedApiToken(`${token}0`)).toBe(false);
    expect(isWellFormedApiToken(`${token.slice(0, 20)}-${token.slice(21)}`)).toBe(false);
    expect(isWellFormedApiToken("")).toBe(false);
  });

  it("pads the checksum to six characters", () => {
    // CRC32 of "" is 0.
    expect(checksumOf("")).toBe("000000");
    expect(checksumOf("x")).toHaveLength(6);
  });

  it("hashes with SHA-256 and shows only the prefix and 8 characters", () => {
    const token = generateApiToken();
    expect(hashApiToken(token)).toBe(createHash("sha256").update(token).digest("hex"));
    expect(displayPrefix(token)).toBe(token.slice(0, 12));
  });
});
