/**
 * The caller's address. server.ts writes the socket's peer address into CLIENT_IP_HEADER (after
 * discarding any copy the client sent); X-Forwarded-For is believed only when that peer is a
 * proxy listed in TRUSTED_PROXIES.
 */
import ipaddr from "ipaddr.js";

export const CLIENT_IP_HEADER = "x-nc-client-ip";

type Range = [ipaddr.IPv4 | ipaddr.IPv6, number];

let parsedFor: string | undefined;
let parsedRanges: Range[] = [];

/** Parsed once per distinct setting: this runs on every request, the agents' polls included. */
function parseRanges(list: string | undefined): Range[] {
  if (list === parsedFor) return parsedRanges;
  parsedFor = list;
  parsedRanges = parseRangeList(list);
  return parsedRanges;
}

function parseRangeList(list: string | undefined): Range[] {
  return (list ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean)
    .map((s) => (s.includes("/") ? ipaddr.parseCIDR(s) : ([ipaddr.parse(s), ipaddr.parse(s).kind() === "ipv4" ? 32 : 128] as Range)));
}

/**
 * Addresses already read, by their text. ipaddr.parse tries every notation in turn and was several
 * per cent of a replica's CPU while it answered thousands of polls a second (bench/fleet-scale.ts);
 * a replica sees the same few peers (its proxies, its hosts) over and over. Bounded: emptied when
 * full. The parsed objects are only read, never changed, so sharing them is safe.
 */
const normalised = new Map<string, ipaddr.IPv4 | ipaddr.IPv6 | null>();
const NORMALISED_MAX = 10_000;

function normalise(address: string): ipaddr.IPv4 | ipaddr.IPv6 | null {
  let parsed = normalised.get(address);
  if (parsed === undefined) {
    parsed = parseAddress(address);
    if (normalised.size >= NORMALISED_MAX) normalised.clear();
    normalised.set(address, parsed);
  }
  return parsed;
}

function parseAddress(address: string): ipaddr.IPv4 | ipaddr.IPv6 | null {
  try {
    const parsed = ipaddr.parse(address.trim());
    // "::ffff:10.0.0.1" from a dual-stack socket is the IPv4 address.
    return parsed.kind() === "ipv6" && (parsed as ipaddr.IPv6).isIPv4MappedAddress()
      ? (parsed as ipaddr.IPv6).toIPv4Address()
      : parsed;
  } catch {
    return null;
  }
}

function isTrusted(address: ipaddr.IPv4 | ipaddr.IPv6, ranges: Range[]): boolean {
  return ranges.some(([net, bits]) => address.kind() === net.kind() && address.match([net, bits] as never));
}

export function clientIpFrom(headers: Headers, trustedProxies = process.env.TRUSTED_PROXIES): string | null {
  const peer = normalise(headers.get(CLIENT_IP_HEADER) ?? "");
  if (!peer) return null;
  const ranges = parseRanges(trustedProxies);
  if (!isTrusted(peer, ranges)) return peer.toString();
  // Walk X-Forwarded-For from the right: the first hop that is not one of our proxies is the client.
  const hops = (headers.get("x-forwarded-for") ?? "").split(",").map(normalise);
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = hops[i];
    if (!hop) break;
    if (!isTrusted(hop, ranges)) return hop.toString();
  }
  return peer.toString();
}

/**
 * The part of an address that rate limits count: an IPv4 address whole, an IPv6 address by its
 * /64. One host (or one customer) is routinely handed a whole /64 and can pick a fresh address per
 * request, so counting full IPv6 addresses would let it walk past every per-address limit.
 */
export function rateLimitAddress(address: string): string {
  const parsed = normalise(address);
  if (!parsed) return address.trim();
  if (parsed.kind() === "ipv4") return parsed.toString();
  const parts = (parsed as ipaddr.IPv6).parts.slice(0, 4);
  return `${new ipaddr.IPv6([...parts, 0, 0, 0, 0]).toString()}/64`;
}
