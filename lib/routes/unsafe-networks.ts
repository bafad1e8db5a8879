/**
 * Subnet routes: IPv4 networks that lie behind a host (a LAN, a VPC) and that the host forwards
 * for the overlay. Nebula calls them unsafe routes: the router's certificate carries them
 * (`-subnets` on v1, `-unsafe-networks` on v2), and every other host gets a `tun.unsafe_routes`
 * entry sending them through the router. Pure: no Prisma, no Next.
 */
import ipaddr from "ipaddr.js";
import { z } from "zod";
import { intToIpv4, ipv4ToInt, parseNetworkCidr, type Ipv4Cidr } from "@/lib/ipam/cidr";

export const MAX_ROUTES_PER_NODE = 16;

/**
 * Ranges a host must never hand to the overlay: the default route (it would carry nebula's own
 * underlay packets into the tunnel), and addresses that are never routed (loopback, link-local,
 * multicast, "this network", broadcast).
 */
const UNROUTABLE = ["unspecified", "loopback", "linkLocal", "multicast", "broadcast"] as const;

/** A routed subnet as text, canonical ("a.b.c.d/n", host bits zero), /1 to /32. */
export function parseRouteCidr(input: string): { ok: true; cidr: Ipv4Cidr } | { ok: false; error: string } {
  const text = input.trim();
  const match = /^(\d{1,3}(?:\.\d{1,3}){3})\/(\d{1,2})$/.exec(text);
  if (!match || !ipaddr.IPv4.isValidFourPartDecimal(match[1]!) || Number(match[2]) > 32) {
    return { ok: false, error: `"${text}" is not an IPv4 subnet such as 192.168.50.0/24` };
  }
  const prefix = Number(match[2]);
  if (prefix === 0) return { ok: false, error: "A default route (0.0.0.0/0) would send the host's own Nebula traffic into the tunnel" };
  const start = ipv4ToInt(match[1]!);
  const size = 2 ** (32 - prefix);
  if (start % size !== 0) return { ok: false, error: `Host bits must be zero: did you mean ${intToIpv4(start - (start % size))}/${prefix}?` };
  const range = ipaddr.IPv4.parse(match[1]!).range();
  if ((UNROUTABLE as readonly string[]).includes(range)) return { ok: false, error: `${text} is not routable (${range})` };
  return { ok: true, cidr: { text: `${intToIpv4(start)}/${prefix}`, start, end: start + size - 1, prefix } };
}

export const routeCidrSchema = z
  .string()
  .trim()
  .max(18, "Enter an IPv4 subnet such as 192.168.50.0/24")
  .superRefine((text, ctx) => {
    const parsed = parseRouteCidr(text);
    if (!parsed.ok) ctx.addIssue({ code: "custom", message: parsed.error });
  });

export const unsafeNetworksSchema = z
  .array(routeCidrSchema)
  .max(MAX_ROUTES_PER_NODE, `At most ${MAX_ROUTES_PER_NODE} subnets`)
  .superRefine((list, ctx) => {
    const parsed = list.map((c) => parseRouteCidr(c)).filter((p) => p.ok).map((p) => p.cidr);
    for (const [i, a] of parsed.entries()) {
      const clash = parsed.slice(i + 1).find((b) => overlaps(a, b));
      if (clash) ctx.addIssue({ code: "custom", message: `${a.text} and ${clash.text} overlap` });
    }
  })
  .meta({ description: "IPv4 subnets behind this host that it routes for the overlay (Nebula's unsafe routes).", example: ["192.168.50.0/24"] });

function overlaps(a: Ipv4Cidr, b: Ipv4Cidr): boolean {
  return a.start <= b.end && b.start <= a.end;
}

/** The canonical text of each route (input order kept, so the certificate reads as the admin wrote it). */
export function canonicalRoutes(list: string[]): string[] {
  return list.map((c) => {
    const parsed = parseRouteCidr(c);
    if (!parsed.ok) throw new Error(parsed.error);
    return parsed.cidr.text;
  });
}

/**
 * Why `routes` cannot be added to a host of the network `overlay`, given the routes other hosts
 * already carry: a route inside the overlay would shadow hosts, and two routers for one subnet
 * would make each host's choice depend on the order of its route table. Null when all is well.
 */
export function routeConflicts(routes: string[], overlay: string, others: Array<{ name: string; routes: string[] }>): string | null {
  const network = parseNetworkCidr(overlay);
  for (const text of routes) {
    const parsed = parseRouteCidr(text);
    if (!parsed.ok) return parsed.error;
    if (network.ok && overlaps(parsed.cidr, network.cidr)) return `${parsed.cidr.text} overlaps the overlay network ${network.cidr.text}`;
    for (const other of others) {
      for (const theirs of other.routes) {
        const t = parseRouteCidr(theirs);
        if (t.ok && overlaps(parsed.cidr, t.cidr)) return `${parsed.cidr.text} overlaps ${t.cidr.text}, which ${other.name} routes`;
      }
    }
  }
  return null;
}
