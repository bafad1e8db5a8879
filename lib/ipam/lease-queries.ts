/** The network's leases, lowest address first, with the node holding each (or its quarantine). */
import { db } from "@/lib/db/client";
import { addressSpace, hostAddresses } from "./address-space";

export async function listLeases(networkId: string) {
  const [network, rows] = await Promise.all([
    db.network.findUniqueOrThrow({ where: { id: networkId }, select: { cidr: true, cidr6: true } }),
    db.lease.findMany({ where: { networkId }, include: { node: { select: { name: true } } }, orderBy: { address: "asc" }, take: 5000 }),
  ]);
  const space = addressSpace(network);
  return rows.map((l) => {
    const { ip, ip6 } = hostAddresses(space, l.address);
    return {
      address: Number(l.address),
      // The primary address: IPv4, or IPv6 on an IPv6-only network (lib/ipam/address-space.ts).
      ip,
      /** The IPv6 address of the lease on a dual-stack or IPv6-only network (null on an IPv4-only one). */
      ip6,
      nodeId: l.nodeId,
      nodeName: l.node?.name ?? null,
      quarantinedUntil: l.quarantinedUntil?.toISOString() ?? null,
    };
  });
}
