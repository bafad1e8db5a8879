import { withNetwork } from "@/lib/api/with-network";
import { networkUpdateSchema } from "@/lib/networks/network-schemas";
import { deleteNetwork, getNetworkView, updateNetwork } from "@/lib/networks/network-service";

export const GET = withNetwork({ role: "viewer", scope: "networks:read" }, async ({ access }) => ({ network: await getNetworkView(access.network.id), role: access.role }));

/** With an IPv6 range added, `ipv6` says how many hosts were re-signed and how many remain (send the same range again to continue). */
export const PATCH = withNetwork({ role: "admin", body: networkUpdateSchema, scope: "networks:write" }, async ({ actor, access, body, meta }) => {
  const { network, ipv6 } = await updateNetwork(actor, access.network.id, body, meta);
  return ipv6 ? { network, ipv6 } : { network };
});

export const DELETE = withNetwork({ role: "owner", scope: "networks:delete" }, async ({ actor, access, meta }) => {
  await deleteNetwork(actor, access.network.id, meta);
  return null;
});
