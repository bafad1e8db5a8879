/**
 * What the network overview draws, read with a few aggregate queries instead of every node: the
 * counts, the lighthouses and relays (a handful), and either each host (a small network) or the
 * hosts clustered by group with their status counts (a large one), so that a network of 10,000
 * nodes is a picture of its shape rather than 10,000 overlapping dots.
 */
import { db } from "@/lib/db/client";
import { addressSpace, hostAddresses, type AddressSpace } from "@/lib/ipam/address-space";

/** Up to this many hosts are drawn one by one; more are drawn as clusters. */
export const HOSTS_DRAWN_ONE_BY_ONE = 48;
/** Lighthouses and relays drawn; a network rarely has more, and the counts say so when it does. */
export const INFRA_DRAWN = 24;
/** Clusters drawn; the smallest groups beyond these are merged into one. */
export const CLUSTERS_DRAWN = 16;

export interface TopologyNode {
  id: string;
  name: string;
  ip: string | null;
  /** Its IPv6 address on a dual-stack network, else null. */
  ip6: string | null;
  isLighthouse: boolean;
  isRelay: boolean;
  status: "pending" | "active" | "blocked";
}

export interface HostCluster {
  /** The group its hosts are counted under (their first group by name), null for hosts in none; "…" for the merged rest. */
  group: string | null;
  merged: boolean;
  total: number;
  active: number;
  pending: number;
  blocked: number;
}

export interface TopologyData {
  counts: { nodes: number; active: number; lighthouses: number; relays: number; hosts: number };
  lighthouses: TopologyNode[];
  relays: TopologyNode[];
  /** Every host, when there are few; otherwise null and `clusters` describes them. */
  hosts: TopologyNode[] | null;
  clusters: HostCluster[];
}

const nodeSelect = { id: true, name: true, isLighthouse: true, isRelay: true, status: true, lease: { select: { address: true } } } as const;

type NodeRow = { id: string; name: string; isLighthouse: boolean; isRelay: boolean; status: TopologyNode["status"]; lease: { address: bigint } | null };

function toTopologyNode(space: AddressSpace): (n: NodeRow) => TopologyNode {
  return (n) => {
    const addresses = n.lease ? hostAddresses(space, n.lease.address) : null;
    return { id: n.id, name: n.name, ip: addresses?.ip ?? null, ip6: addresses?.ip6 ?? null, isLighthouse: n.isLighthouse, isRelay: n.isRelay, status: n.status };
  };
}

export async function topologyOf(networkId: string): Promise<TopologyData> {
  const hostWhere = { networkId, isLighthouse: false, isRelay: false };
  const [network, byStatus, lighthouseCount, relayCount, hostCount, lighthouses, relays] = await Promise.all([
    db.network.findUniqueOrThrow({ where: { id: networkId }, select: { cidr: true, cidr6: true } }),
    db.node.groupBy({ by: ["status"], where: { networkId }, _count: { _all: true } }),
    db.node.count({ where: { networkId, isLighthouse: true } }),
    db.node.count({ where: { networkId, isRelay: true, isLighthouse: false } }),
    db.node.count({ where: hostWhere }),
    db.node.findMany({ where: { networkId, isLighthouse: true }, select: nodeSelect, orderBy: { name: "asc" }, take: INFRA_DRAWN }),
    db.node.findMany({ where: { networkId, isRelay: true, isLighthouse: false }, select: nodeSelect, orderBy: { name: "asc" }, take: INFRA_DRAWN }),
  ]);
  const nodes = byStatus.reduce((sum, s) => sum + s._count._all, 0);
  const active = byStatus.find((s) => s.status === "active")?._count._all ?? 0;
  const counts = { nodes, active, lighthouses: lighthouseCount, relays: relayCount, hosts: hostCount };
  const toNode = toTopologyNode(addressSpace(network));
  if (hostCount <= HOSTS_DRAWN_ONE_BY_ONE) {
    const hosts = await db.node.findMany({ where: hostWhere, select: nodeSelect, orderBy: { name: "asc" } });
    return { counts, lighthouses: lighthouses.map(toNode), relays: relays.map(toNode), hosts: hosts.map(toNode), clusters: [] };
  }
  return { counts, lighthouses: lighthouses.map(toNode), relays: relays.map(toNode), hosts: null, clusters: await hostClusters(networkId) };
}

/** Hosts counted once each, under their first group by name, largest clusters first. */
async function hostClusters(networkId: string): Promise<HostCluster[]> {
  const rows = await db.$queryRaw<Array<{ group: string | null; total: number; active: number; pending: number; blocked: number }>>`
    SELECT g.first AS "group", count(*)::int AS total,
           count(*) FILTER (WHERE n.status = 'active')::int AS active,
           count(*) FILTER (WHERE n.status = 'pending')::int AS pending,
           count(*) FILTER (WHERE n.status = 'blocked')::int AS blocked
    FROM "Node" n
    LEFT JOIN LATERAL (SELECT min(gr.name) AS first FROM "NodeGroup" ng JOIN "Group" gr ON gr.id = ng."groupId" WHERE ng."nodeId" = n.id) g ON true
    WHERE n."networkId" = ${networkId}::uuid AND NOT n."isLighthouse" AND NOT n."isRelay"
    GROUP BY g.first
    ORDER BY total DESC, g.first NULLS LAST`;
  const clusters = rows.map((r) => ({ ...r, merged: false }));
  if (clusters.length <= CLUSTERS_DRAWN) return clusters;
  const kept = clusters.slice(0, CLUSTERS_DRAWN - 1);
  const rest = clusters.slice(CLUSTERS_DRAWN - 1);
  const sum = (k: "total" | "active" | "pending" | "blocked") => rest.reduce((s, c) => s + c[k], 0);
  return [...kept, { group: `${rest.length} more groups`, merged: true, total: sum("total"), active: sum("active"), pending: sum("pending"), blocked: sum("blocked") }];
}
