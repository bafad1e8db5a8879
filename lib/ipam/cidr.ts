/**
 * IPv4 CIDR math for network ranges. Pure: no Next, no Prisma.
 */
import ipaddr from "ipaddr.js";

export interface Ipv4Cidr {
  /** The canonical "a.b.c.d/n" text. */
  text: string;
  /** First address as an unsigned 32-bit integer. */
  start: number;
  /** Last address (the broadcast address) as an unsigned 32-bit integer. */
  end: number;
  prefix: number;
}

export const MIN_PREFIX = 8;
export const MAX_PREFIX = 30;

export type CidrParse = { ok: true; cidr: Ipv4Cidr } | { ok: false; error: string };

export function ipv4ToInt(address: string): number {
  const bytes = ipaddr.IPv4.parse(address).octets;
  return ((bytes[0]! << 24) | (bytes[1]! << 16) | (bytes[2]! << 8) | bytes[3]!) >>> 0;
}

export function intToIpv4(value: number): string {
  return [value >>> 24, (value >>> 16) & 255, (value >>> 8) & 255, value & 255].join(".");
}

/** Parses a network range strictly: dotted quad, prefix /8–/30, host bits zero. */
export function parseNetworkCidr(input: string): CidrParse {
  const text = input.trim();
  const match = /^(\d{1,3}(?:\.\d{1,3}){3})\/(\d{1,2})$/.exec(text);
  if (!match || !ipaddr.IPv4.isValidFourPartDecimal(match[1]!)) {
    return { ok: false, error: "Enter an IPv4 range such as 10.42.0.0/16" };
  }
  const prefix = Number(match[2]);
  if (prefix < MIN_PREFIX || prefix > MAX_PREFIX) {
    return { ok: false, error: `The prefix must be between /${MIN_PREFIX} and /${MAX_PREFIX}` };
  }
  const start = ipv4ToInt(match[1]!);
  const size = 2 ** (32 - prefix);
  if (start % size !== 0) {
    const base = intToIpv4(start - (start % size));
    return { ok: false, error: `Host bits must be zero: did you mean ${base}/${prefix}?` };
  }
  return { ok: true, cidr: { text: `${intToIpv4(start)}/${prefix}`, start, end: start + size - 1, prefix } };
}

/** The prefix length of a stored network range ("10.42.0.0/16" gives 16). */
export function prefixOf(text: string): number {
  const parsed = parseNetworkCidr(text);
  if (!parsed.ok) throw new Error(`stored CIDR ${text} is invalid`);
  return parsed.cidr.prefix;
}

export function cidrsOverlap(a: Ipv4Cidr, b: Ipv4Cidr): boolean {
  return a.start <= b.end && b.start <= a.end;
}

/** Ranges meant for private overlays: RFC 1918 and the CGNAT block (RFC 6598). */
const privateRanges = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10"].map((r) => {
  const parsed = parseNetworkCidr(r);
  if (!parsed.ok) throw new Error(r);
  return parsed.cidr;
});

export function isPrivateRange(cidr: Ipv4Cidr): boolean {
  return privateRanges.some((p) => cidr.start >= p.start && cidr.end <= p.end);
}

/** A suggestion for a new network: the first 10.x.0.0/16 that overlaps none of `taken`. */
export function suggestCidr(taken: Ipv4Cidr[]): string {
  for (let second = 42; second < 42 + 256; second++) {
    const candidate = parseNetworkCidr(`10.${second % 256}.0.0/16`);
    if (candidate.ok && !taken.some((t) => cidrsOverlap(t, candidate.cidr))) return candidate.cidr.text;
  }
  return "100.64.0.0/16";
}
