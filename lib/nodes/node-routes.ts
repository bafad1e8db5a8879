/** The database side of subnet routes: a route may clash neither with the overlay nor with another host's routes. */
import { advisoryLock, type Tx } from "@/lib/db/client";
import { AppError } from "@/lib/core/app-error";
import { routeConflicts } from "@/lib/routes/unsafe-networks";

/**
 * Refuses `routes` for the node `nodeId` (null for one being made) when one overlaps the overlay
 * or a subnet another node of the network routes. The lock serialises two admins giving two
 * hosts overlapping subnets at once, across replicas; it is taken only when there are routes.
 */
export async function checkRouteConflicts(tx: Tx, network: { id: string; cidr: string | null }, nodeId: string | null, routes: string[]): Promise<void> {
  if (!routes.length) return;
  // Routed subnets are IPv4, and hosts reach them through a router's IPv4 overlay address
  // (tun.unsafe_routes' via), which an IPv6-only network's hosts do not have.
  if (!network.cidr) throw new AppError("validation_failed", "Some fields are not valid", { unsafeNetworks: ["Subnet routes need the network's IPv4 range: this network is IPv6-only"] });
  await advisoryLock(tx, `routes:${network.id}`);
  const others = await tx.node.findMany({
    where: { networkId: network.id, unsafeNetworks: { isEmpty: false }, ...(nodeId ? { id: { not: nodeId } } : {}) },
    select: { name: true, unsafeNetworks: true },
  });
  const conflict = routeConflicts(routes, network.cidr, others.map((o) => ({ name: o.name, routes: o.unsafeNetworks })));
  if (conflict) throw new AppError("validation_failed", "Some fields are not valid", { unsafeNetworks: [conflict] });
}
