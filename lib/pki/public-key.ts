/** Checks that a pasted public key is a Nebula X25519 public key PEM before nebula-cert sees it. */
import { z } from "zod";

const BANNER = "NEBULA X25519 PUBLIC KEY";

export function normalisePublicKeyPem(input: string): { ok: true; pem: string } | { ok: false; error: string } {
  const text = input.replace(/\r\n/g, "\n").trim();
  const m = /^-----BEGIN ([A-Z0-9 ]+)-----\n([A-Za-z0-9+/=\n]+)\n-----END ([A-Z0-9 ]+)-----$/.exec(text);
  if (!m) return { ok: false, error: `Paste a public key PEM starting with -----BEGIN ${BANNER}-----` };
  if (m[1] !== m[3]) return { ok: false, error: "The PEM's BEGIN and END lines do not match" };
  if (m[1] !== BANNER) {
    if (m[1]!.includes("PRIVATE")) return { ok: false, error: "That is a private key. Never share it; paste the public key (host.pub) instead" };
    if (m[1]!.includes("P256")) return { ok: false, error: "That is a P256 key; this network uses Curve25519 (X25519) host keys" };
    return { ok: false, error: `Expected a ${BANNER}, got ${m[1]}` };
  }
  const bytes = Buffer.from(m[2]!.replace(/\n/g, ""), "base64");
  if (bytes.length !== 32) return { ok: false, error: "An X25519 public key is 32 bytes; this one is not" };
  return { ok: true, pem: `-----BEGIN ${BANNER}-----\n${bytes.toString("base64")}\n-----END ${BANNER}-----\n` };
}

export const publicKeyPemSchema = z
  .string()
  .max(1024, "A public key PEM is much shorter than this")
  .transform((value, ctx) => {
    const r = normalisePublicKeyPem(value);
    if (!r.ok) {
      ctx.addIssue({ code: "custom", message: r.error });
      return z.NEVER;
    }
    return r.pem;
  });
