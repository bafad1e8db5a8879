/**
 * A network's address space: its IPv4 range, its IPv6 range, or both (v2 certificates carry
 * every address of a host). Pure: no Next, no Prisma.
 *
 * Leases are numbered in one index space either way, so that one allocator, one unique key and
 * one quarantine serve every kind of network (lib/ipam/lease-allocator.ts):
 * - with an IPv4 range, a lease's number is the IPv4 address, and a dual-stack host's IPv6
 *   address is derived from it (lib/ipam/cidr6.ts);
 * - on an IPv6-only network, a lease's number is the host's index in the IPv6 range: host 5 of
 *   fd42:abcd:1234::/64 is fd42:abcd:1234::5. The range is never enumerated or scanned; the index
 *   space is capped (INDEX_BITS_V6) so that a lease number stays an exact JavaScript number.
 */
import ipaddr from "ipaddr.js";
import { intToIpv4, parseNetworkCidr, type Ipv4Cidr } from "./cidr";
import { bigIntToIpv6, hostIpv6, storedCidr6, type Ipv6Cidr } from "./cidr6";

/**
 * At most 2^24 (16.7 million) hosts on an IPv6-only network: more than any IPv4 network here
 * holds (a /8), and far below 2^53, so lease numbers stay exact.
 */
export const INDEX_BITS_V6 = 24;

export interface AddressSpace {
  v4: Ipv4Cidr | null;
  v6: Ipv6Cidr | null;
  /**
   * The range lease numbers are drawn from: the IPv4 range itself, or host indexes 0..2^k-1 of an
   * IPv6-only network (index 0, the subnet-router anycast address, and the last are skipped as an
   * IPv4 range's network and broadcast addresses are). `text` names the range people see.
   */
  index: Ipv4Cidr;
}

export interface NetworkRanges {
  cidr: string | null;
  cidr6: string | null;
}

/** For stored ranges, which were validated on the way in (and at least one is set: a CHECK constraint). */
export function addressSpace(network: NetworkRanges): AddressSpace {
  const v6 = network.cidr6 ? storedCidr6(network.cidr6) : null;
  if (network.cidr) {
    const parsed = parseNetworkCidr(network.cidr);
    if (!parsed.ok) throw new Error(`stored CIDR ${network.cidr} is invalid`);
    return { v4: parsed.cidr, v6, index: parsed.cidr };
  }
  if (!v6) throw new Error("a network has an IPv4 or an IPv6 range");
  const bits = Math.min(128 - v6.prefix, INDEX_BITS_V6);
  return { v4: null, v6, index: { text: v6.text, start: 0, end: 2 ** bits - 1, prefix: 32 - bits } };
}

/** The ranges as people read them: "10.42.0.0/16", "fd42::/64", or "10.42.0.0/16, fd42::/64". */
export function rangesText(network: NetworkRanges): string {
  return [network.cidr, network.cidr6].filter(Boolean).join(", ");
}

export interface HostAddresses {
  /** The host's address people and configs name it by: IPv4 when the network has an IPv4 range, else IPv6. */
  ip: string;
  /** `ip` with its range's prefix, as a certificate carries it. */
  ipWithPrefix: string;
  ip4: string | null;
  ip6: string | null;
  /** The IPv6 address with its prefix: a dual-stack host's second address, or an IPv6-only host's only one. */
  ip6WithPrefix: string | null;
}

/** The addresses of the host holding lease number `address` (see the header). */
export function hostAddresses(space: AddressSpace, address: number | bigint): HostAddresses {
  const n = Number(address);
  if (space.v4) {
    const ip4 = intToIpv4(n);
    const six = space.v6 ? hostIpv6(space.v6, space.v4, n) : null;
    return { ip: ip4, ipWithPrefix: `${ip4}/${space.v4.prefix}`, ip4, ip6: six?.ip ?? null, ip6WithPrefix: six?.withPrefix ?? null };
  }
  if (n < space.index.start || n > space.index.end) throw new Error(`host index ${n} is outside ${space.index.text}`);
  const ip6 = bigIntToIpv6(space.v6!.start + BigInt(n));
  const withPrefix = `${ip6}/${space.v6!.prefix}`;
  return { ip: ip6, ipWithPrefix: withPrefix, ip4: null, ip6, ip6WithPrefix: withPrefix };
}

/** The primary address of lease number `address`: the one tables and configs show. */
export function leaseIp(network: NetworkRanges, address: number | bigint): string {
  return hostAddresses(addressSpace(network), address).ip;
}

/**
 * The lease number of a host address typed by a person (a static address): an IPv4 address of an
 * IPv4 range, or an IPv6 address inside an IPv6-only network's index space. Null when it is not one.
 */
export function leaseNumberOf(space: AddressSpace, ip: string): number | null {
  if (space.v4) {
    if (!ipaddr.IPv4.isValidFourPartDecimal(ip)) return null;
    return ipaddr.IPv4.parse(ip).toByteArray().reduce((acc, b) => acc * 256 + b, 0);
  }
  if (!/^[0-9a-fA-F:]+$/.test(ip) || !ipaddr.IPv6.isValid(ip)) return null;
  const value = ipaddr.IPv6.parse(ip).toByteArray().reduce((acc, b) => (acc << 8n) | BigInt(b), 0n);
  const offset = value - space.v6!.start;
  if (offset < 0n || offset > BigInt(space.index.end)) return null;
  return Number(offset);
}

/** Orders addresses of either family: IPv4 first, then numerically (configs list lighthouses so). */
export function compareIp(a: string, b: string): number {
  const x = ipaddr.parse(a).toByteArray();
  const y = ipaddr.parse(b).toByteArray();
  if (x.length !== y.length) return x.length - y.length;
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return x[i]! - y[i]!;
  return 0;
}
