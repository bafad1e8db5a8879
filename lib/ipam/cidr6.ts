/**
 * IPv6 ranges of dual-stack networks (v2 certificates, Nebula 1.10+). Pure: no Next, no Prisma.
 *
 * A network's IPv6 range is never enumerated or scanned: a /64 holds 2^64 addresses. Instead each
 * host's IPv6 address is derived from its IPv4 lease: the IPv4 host index (the lease's offset in the
 * IPv4 range) becomes the low bits of the IPv6 interface id, so 10.42.0.5 in 10.42.0.0/16 is
 * fd42:abcd:1234::5 in fd42:abcd:1234::/64. Uniqueness follows from the IPv4 lease table, whose
 * (network, address) key is unique, so no second allocator, lock or table is needed; a released
 * IPv4 address that is quarantined holds its IPv6 twin too; and a re-signed host keeps both.
 */
import ipaddr from "ipaddr.js";
import type { Ipv4Cidr } from "./cidr";

export interface Ipv6Cidr {
  /** The canonical (RFC 5952) "fd42:abcd:1234::/64" text. */
  text: string;
  /** The network address as a 128-bit integer. */
  start: bigint;
  /** The last address of the range. */
  end: bigint;
  prefix: number;
}

/**
 * /48 is the largest range a site gets (RFC 6177) and what a ULA's random global id is sized for;
 * /112 leaves 16 host bits, enough for a /16 IPv4 network's host indexes. Longer prefixes would
 * leave too few bits for the derivation.
 */
export const MIN_PREFIX6 = 48;
export const MAX_PREFIX6 = 112;

export type Cidr6Parse = { ok: true; cidr: Ipv6Cidr } | { ok: false; error: string };

export function ipv6ToBigInt(address: string): bigint {
  return ipaddr.IPv6.parse(address)
    .toByteArray()
    .reduce((acc, byte) => (acc << 8n) | BigInt(byte), 0n);
}

export function bigIntToIpv6(value: bigint): string {
  const bytes: number[] = [];
  for (let i = 15; i >= 0; i--) bytes.push(Number((value >> BigInt(i * 8)) & 0xffn));
  // ipaddr.js writes the RFC 5952 form (lower case, longest zero run as ::), as nebula-cert prints it.
  return ipaddr.fromByteArray(bytes).toString();
}

/**
 * Parses a network's IPv6 range strictly: a prefix /48–/112, host bits zero, and a unicast range
 * meant for an overlay: unique local (fc00::/7, the usual choice) or global unicast (a range the
 * operator owns). Link-local, multicast, loopback, documentation and IPv4-mapped ranges are refused:
 * Nebula would accept them, but hosts' own stacks treat them specially.
 */
export function parseNetworkCidr6(input: string): Cidr6Parse {
  const text = input.trim();
  const hint = "Enter an IPv6 range such as fd42:abcd:1234::/64";
  const slash = text.lastIndexOf("/");
  if (slash < 0 || !/^\d{1,3}$/.test(text.slice(slash + 1))) return { ok: false, error: hint };
  const addressText = text.slice(0, slash);
  // ipaddr.js would also take zone ids ("%eth0") and embedded IPv4 forms; a range has neither.
  if (!/^[0-9a-fA-F:]+$/.test(addressText) || !ipaddr.IPv6.isValid(addressText)) return { ok: false, error: hint };
  const prefix = Number(text.slice(slash + 1));
  if (prefix < MIN_PREFIX6 || prefix > MAX_PREFIX6) return { ok: false, error: `The prefix must be between /${MIN_PREFIX6} and /${MAX_PREFIX6}` };
  const range = ipaddr.IPv6.parse(addressText).range();
  if (range !== "uniqueLocal" && range !== "unicast") {
    return { ok: false, error: `${addressText} is a ${range} address: use a unique local range (fd00::/8) or a global range you own` };
  }
  const start = ipv6ToBigInt(addressText);
  const hostBits = BigInt(128 - prefix);
  const size = 1n << hostBits;
  if (start % size !== 0n) {
    return { ok: false, error: `Host bits must be zero: did you mean ${bigIntToIpv6(start - (start % size))}/${prefix}?` };
  }
  return { ok: true, cidr: { text: `${bigIntToIpv6(start)}/${prefix}`, start, end: start + size - 1n, prefix } };
}

export function cidrs6Overlap(a: Ipv6Cidr, b: Ipv6Cidr): boolean {
  return a.start <= b.end && b.start <= a.end;
}

/**
 * Whether every host index of the IPv4 range fits in the IPv6 range's host bits, so that the
 * derivation can never give two hosts one address. Null when it fits, else the reason.
 */
export function cidr6FitsIpv4(cidr6: Ipv6Cidr, cidr4: Ipv4Cidr): string | null {
  const hostBits6 = 128 - cidr6.prefix;
  const hostBits4 = 32 - cidr4.prefix;
  return hostBits6 >= hostBits4 ? null : `A /${cidr6.prefix} has room for ${hostBits6} host bits, fewer than the ${hostBits4} of ${cidr4.text}: use /${128 - hostBits4} or a shorter prefix`;
}

/** The IPv6 twin of an IPv4 address of the network (see the header), with the IPv6 range's prefix. */
export function hostIpv6(cidr6: Ipv6Cidr, cidr4: Ipv4Cidr, ipv4: number): { ip: string; withPrefix: string } {
  if (ipv4 < cidr4.start || ipv4 > cidr4.end) throw new Error(`address ${ipv4} is outside ${cidr4.text}`);
  const ip = bigIntToIpv6(cidr6.start + BigInt(ipv4 - cidr4.start));
  return { ip, withPrefix: `${ip}/${cidr6.prefix}` };
}

/** For stored ranges, which were validated on the way in. */
export function storedCidr6(text: string): Ipv6Cidr {
  const parsed = parseNetworkCidr6(text);
  if (!parsed.ok) throw new Error(`stored IPv6 range ${text} is invalid`);
  return parsed.cidr;
}

/** Whether `address` (either family) lies in `cidr` (either family); a family mismatch never matches. */
export function anyCidrContains(cidr: string, address: string): boolean {
  let range: [ipaddr.IPv4 | ipaddr.IPv6, number];
  let ip: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    range = ipaddr.parseCIDR(cidr);
    ip = ipaddr.parse(address);
  } catch {
    return false;
  }
  if (ip.kind() !== range[0].kind()) return false;
  return ip.match(range);
}
