/** Password hashing for local accounts: argon2id, and the one place that runs argon2. */
import { hash, verify } from "@node-rs/argon2";

// OWASP's argon2id baseline (19 MiB, 2 passes); @node-rs/argon2 defaults to the id variant.
const ARGON2_OPTIONS = { memoryCost: 19456, timeCost: 2, parallelism: 1 };

/**
 * Verified against when there is no real hash to check (no such user, or a user without a
 * password), so that a wrong username costs one argon2 run exactly like a wrong password and the
 * two cannot be told apart by timing. Made once with ARGON2_OPTIONS from 32 random bytes that were
 * then thrown away: no password matches it.
 */
export const DUMMY_PASSWORD_HASH = "$argon2id$v=19$m=19456,t=2,p=1$ip/SdddfngB+R8kKaqvyrw$q6377vlfIerKFpjE+u+f7deP75ALuRuLRnQa0xQLDA8";

export function hashPassword(password: string): Promise<string> {
  return hash(password, ARGON2_OPTIONS);
}

/** False for a wrong password and for a malformed hash alike. */
export async function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
  return verify(passwordHash, password).catch(() => false);
}
