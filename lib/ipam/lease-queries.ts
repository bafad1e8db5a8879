/** The network's leases, lowest address first, with the node holding each (or its quarantine). */
import { db } from "@/lib/db/client";
import { intToIpv4 } from "./cidr";

export async function listLeases(networkId: string) {
  const rows = await db.lease.findMany({ where: { networkId }, include: { node: { select: { name: true } } }, orderBy: { address: "asc" }, take: 5000 });
  return rows.map((l) => ({
    address: Number(l.address),
    ip: intToIpv4(Number(l.address)),
    nodeId: l.nodeId,
    nodeName: l.node?.name ?? null,
    quarantinedUntil: l.quarantinedUntil?.toISOString() ?? null,
  }));
}
