/**
 * The shape of a personal API token: `ncp_` + 43 random base62 characters (256 bits) + 6 base62
 * characters of the CRC32 of the random part. Like GitHub's tokens, the fixed prefix and the
 * checksum let secret scanners recognise a leaked token with no false positives, and let the
 * server refuse a mistyped or made-up one before any database work. Pure: no Prisma, no Next.
 */
import { randomBytes } from "node:crypto";
import { crc32 } from "node:zlib";
import { hashToken } from "@/lib/enroll/tokens";

export const API_TOKEN_PREFIX = "ncp_";
const BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
/** 62^43 > 2^256: at least 256 random bits. */
const RANDOM_LENGTH = 43;
/** 62^6 > 2^32: any CRC32 fits. */
const CHECKSUM_LENGTH = 6;
export const API_TOKEN_LENGTH = API_TOKEN_PREFIX.length + RANDOM_LENGTH + CHECKSUM_LENGTH;
/** How much of a token the list shows: the prefix and 8 random characters (47 of its 256 bits). */
const DISPLAY_LENGTH = API_TOKEN_PREFIX.length + 8;

const TOKEN_PATTERN = new RegExp(`^${API_TOKEN_PREFIX}[0-9A-Za-z]{${RANDOM_LENGTH + CHECKSUM_LENGTH}}$`);

function randomBase62(length: number): string {
  let out = "";
  while (out.length < length) {
    for (const byte of randomBytes(length * 2)) {
      // 248 = 4 × 62: bytes above it would favour the first characters of the alphabet.
      if (byte < 248 && out.length < length) out += BASE62[byte % 62];
    }
  }
  return out;
}

function base62(value: number, width: number): string {
  let out = "";
  let rest = value;
  while (rest > 0) {
    out = BASE62[rest % 62] + out;
    rest = Math.floor(rest / 62);
  }
  return out.padStart(width, "0");
}

export function checksumOf(randomPart: string): string {
  return base62(crc32(randomPart), CHECKSUM_LENGTH);
}

export function generateApiToken(): string {
  const random = randomBase62(RANDOM_LENGTH);
  return `${API_TOKEN_PREFIX}${random}${checksumOf(random)}`;
}

/** Prefix, length, alphabet and checksum: true only for something that could be one of our tokens. */
export function isWellFormedApiToken(token: string): boolean {
  if (!TOKEN_PATTERN.test(token)) return false;
  const random = token.slice(API_TOKEN_PREFIX.length, API_TOKEN_PREFIX.length + RANDOM_LENGTH);
  return token.slice(-CHECKSUM_LENGTH) === checksumOf(random);
}

/** What is stored and looked up: the same SHA-256 as join tokens and node credentials. */
export function hashApiToken(token: string): string {
  return hashToken(token);
}

export function displayPrefix(token: string): string {
  return token.slice(0, DISPLAY_LENGTH);
}
