/**
 * One page of a network's nodes, searched and filtered in Postgres, so that a network of 10,000
 * nodes never travels whole to a browser. Used by the nodes page and by
 * GET /api/v1/networks/:id/nodes when it is given any of these parameters, and by the
 * reachability form's node picker (a search of a few names).
 */
import ipaddr from "ipaddr.js";
import { z } from "zod";
import { db } from "@/lib/db/client";
import { lineText } from "@/lib/core/text-schema";
import type { Prisma } from "@/lib/generated/prisma/client";
import { addressSpace } from "@/lib/ipam/address-space";
import { anyCidrContains, bigIntToIpv6 } from "@/lib/ipam/cidr6";
import { nodeInclude, toNodeView, type NodeView } from "./node-service";
import { HOST_STATE_FILTERS, hostStateWhere, type HostStateFilter } from "./fleet-health";

/** Roles and statuses, and the host states the dashboard counts (offline, nebula down, behind). */
export const NODE_KIND_FILTERS = ["lighthouse", "relay", "host", "pending", "blocked", ...HOST_STATE_FILTERS] as const;
export type NodeKindFilter = (typeof NODE_KIND_FILTERS)[number];
export const NODE_PAGE_SIZE = 25;
export const NODE_PAGE_SIZE_MAX = 200;

export const nodeQuerySchema = z.object({
  q: lineText(100, "Search for at most 100 characters").default(""),
  group: lineText(64).default(""),
  kind: z.enum(NODE_KIND_FILTERS, { error: `Choose one of ${NODE_KIND_FILTERS.join(", ")}` }).optional(),
  page: z.coerce.number({ error: "Use a page number" }).int().min(1).max(1_000_000).default(1),
  pageSize: z.coerce.number({ error: "Use a page size" }).int().min(1).max(NODE_PAGE_SIZE_MAX, `At most ${NODE_PAGE_SIZE_MAX} nodes a page`).default(NODE_PAGE_SIZE),
});
export type NodeQuery = z.infer<typeof nodeQuerySchema>;

export interface NodePage {
  nodes: NodeView[];
  total: number;
  page: number;
  pageSize: number;
  pages: number;
}

/**
 * The addresses a search could mean: "10.42.0.7" exactly, "10.42.0" or "10.42.0." the /24 below
 * it, and so on; null when the text is not the start of an IPv4 address.
 */
export function addressRange(text: string): { lo: bigint; hi: bigint } | null {
  const m = /^(\d{1,3})(?:\.(\d{1,3}))?(?:\.(\d{1,3}))?(?:\.(\d{1,3}))?\.?$/.exec(text.trim());
  if (!m) return null;
  const octets = m.slice(1).filter((o): o is string => o !== undefined).map(Number);
  if (octets.some((o) => o > 255)) return null;
  const lo = [...octets, 0, 0, 0, 0].slice(0, 4).reduce((acc, o) => acc * 256n + BigInt(o), 0n);
  const hi = [...octets, 255, 255, 255, 255].slice(0, 4).reduce((acc, o) => acc * 256n + BigInt(o), 0n);
  return { lo, hi };
}

/** Ranges of matching lease numbers at most: a broad fragment on a scattered network is cut short here. */
const IPV6_MATCH_RANGES = 500;

/**
 * The leases whose IPv6 address contains `q` (a whole address in any spelling, or a piece such as
 * "::1a" or "abcd:12"), as runs of consecutive lease numbers. A host's IPv6 address is derived, not
 * stored (lib/ipam/cidr6.ts), so Postgres derives it too: the range's base as inet plus the host
 * index, printed by host() in the same compressed lower-case form (RFC 5952) the UI shows.
 * Only text with a colon is taken for IPv6, so a name search such as "db" never matches "::db".
 */
async function ipv6Matches(networkId: string, q: string): Promise<Array<{ lo: bigint; hi: bigint }>> {
  const text = q.trim().toLowerCase();
  if (!text.includes(":") || !/^[0-9a-f:]+$/.test(text)) return [];
  const network = await db.network.findUniqueOrThrow({ where: { id: networkId }, select: { cidr: true, cidr6: true } });
  if (!network.cidr6) return [];
  const space = addressSpace(network);
  const base = bigIntToIpv6(space.v6!.start);
  // Lease numbers are IPv4 addresses on a dual-stack network, host indexes on an IPv6-only one.
  const offset = BigInt(space.v4 ? space.v4.start : 0);
  // A whole address of the range in any spelling matches exactly; anything else ("::1a" is a valid
  // address too, but outside the range) as a piece of the printed address.
  const whole = ipaddr.IPv6.isValid(text) ? ipaddr.IPv6.parse(text).toString() : null;
  const inRange = whole !== null && anyCidrContains(space.v6!.text, whole);
  const pattern = inRange ? whole : `%${text}%`;
  return db.$queryRaw<Array<{ lo: bigint; hi: bigint }>>`
    SELECT min(m.address) AS lo, max(m.address) AS hi FROM (
      SELECT l.address, l.address - row_number() OVER (ORDER BY l.address) AS run FROM "Lease" l
      WHERE l."networkId" = ${networkId}::uuid AND l."nodeId" IS NOT NULL AND host(${base}::inet + (l.address - ${offset})) LIKE ${pattern}
    ) m GROUP BY m.run ORDER BY lo LIMIT ${IPV6_MATCH_RANGES}`;
}

const kindWhere: Record<Exclude<NodeKindFilter, HostStateFilter>, Prisma.NodeWhereInput> = {
  lighthouse: { isLighthouse: true },
  relay: { isRelay: true },
  host: { isLighthouse: false, isRelay: false },
  pending: { status: "pending" },
  blocked: { status: "blocked" },
};

const isHostState = (kind: NodeKindFilter): kind is HostStateFilter => (HOST_STATE_FILTERS as readonly string[]).includes(kind);

async function whereOf(networkId: string, query: NodeQuery, now: Date): Promise<Prisma.NodeWhereInput> {
  const and: Prisma.NodeWhereInput[] = [{ networkId }];
  if (query.group) and.push({ groups: { some: { group: { name: query.group } } } });
  if (query.kind && isHostState(query.kind)) {
    // Liveness and "behind" are judged against the network's poll interval and current revision.
    const network = await db.network.findUniqueOrThrow({ where: { id: networkId }, select: { pollSeconds: true, configRevision: true } });
    and.push(hostStateWhere(query.kind, network, now));
  } else if (query.kind) and.push(kindWhere[query.kind]);
  if (query.q) {
    const contains = { contains: query.q, mode: "insensitive" as const };
    const or: Prisma.NodeWhereInput[] = [{ name: contains }, { description: contains }, { groups: { some: { group: { name: contains } } } }];
    const range = addressRange(query.q);
    if (range) or.push({ lease: { address: { gte: range.lo, lte: range.hi } } });
    for (const r of await ipv6Matches(networkId, query.q)) or.push({ lease: { address: { gte: r.lo, lte: r.hi } } });
    and.push({ OR: or });
  }
  return { AND: and };
}

export async function listNodesPage(networkId: string, query: NodeQuery, now = new Date()): Promise<NodePage> {
  const where = await whereOf(networkId, query, now);
  const total = await db.node.count({ where });
  const pages = Math.max(1, Math.ceil(total / query.pageSize));
  const page = Math.min(query.page, pages);
  const rows = await db.node.findMany({ where, include: nodeInclude, orderBy: [{ name: "asc" }, { id: "asc" }], skip: (page - 1) * query.pageSize, take: query.pageSize });
  return { nodes: rows.map(toNodeView), total, page, pageSize: query.pageSize, pages };
}
