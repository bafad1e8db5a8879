/**
 * The one-time code that first-run setup asks for. Without it, the first visitor of a fresh
 * instance would become its system admin, including through DNS rebinding against a local one.
 *
 * It is derived from NEXTAUTH_SECRET, not stored: every replica prints the same code, nothing
 * needs sharing, and it stops mattering the moment the first admin exists (setup then closes).
 * Only people who can read the server's log or its secret can use it.
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import { authSecret } from "./auth-config";

const ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";

export function setupCode(): string {
  const digest = createHmac("sha256", authSecret()).update("nebula-commander first-run setup code v1").digest();
  const chars = [...digest.subarray(0, 15)].map((b) => ALPHABET[b % ALPHABET.length]).join("");
  return `${chars.slice(0, 5)}-${chars.slice(5, 10)}-${chars.slice(10, 15)}`;
}

/** Constant-time, and forgiving about case, spaces and dashes in what a person typed. */
export function isSetupCode(candidate: string): boolean {
  const normalise = (s: string) => s.toUpperCase().replace(/[^A-Z0-9]/g, "");
  const a = Buffer.from(normalise(candidate));
  const b = Buffer.from(normalise(setupCode()));
  return a.length === b.length && timingSafeEqual(a, b);
}

export const setupLink = (baseUrl: string) => `${baseUrl.replace(/\/$/, "")}/setup?code=${setupCode()}`;
