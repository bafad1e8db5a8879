import { describe, expect, it } from "vitest";
import { normalisePublicKeyPem } from "./public-key";

const key = Buffer.alloc(32, 7).toString("base64");
const pem = (banner: string, body = key) => `-----BEGIN ${banner}-----\n${body}\n-----END ${banner}-----\n`;

describe("normalisePublicKeyPem", () => {
  it("accepts an X25519 public key, with CRLF or surrounding space", () => {
    expect(normalisePublicKeyPem(`  ${pem("NEBULA X25519 PUBLIC KEY").replace(/\n/g, "\r\n")}  `).ok).toBe(true);
  });
  it.each([
    [pem("NEBULA X25519 PRIVATE KEY"), "private key"],
    [pem("NEBULA P256 PUBLIC KEY"), "P256"],
    [pem("NEBULA CERTIFICATE"), "Expected a NEBULA X25519 PUBLIC KEY"],
    [pem("NEBULA X25519 PUBLIC KEY", Buffer.alloc(31).toString("base64")), "32 bytes"],
    ["ssh-ed25519 AAAA", "Paste a public key PEM"],
    [`-----BEGIN NEBULA X25519 PUBLIC KEY-----\n${key}\n-----END NEBULA CERTIFICATE-----`, "do not match"],
  ])("rejects %#", (input, message) => {
    const r = normalisePublicKeyPem(input);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toContain(message);
  });
});
