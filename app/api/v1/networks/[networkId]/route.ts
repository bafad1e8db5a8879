import { withNetwork } from "@/lib/api/with-network";
import { networkUpdateSchema } from "@/lib/networks/network-schemas";
import { deleteNetwork, updateNetwork } from "@/lib/networks/network-service";

export const GET = withNetwork({ role: "viewer", scope: "networks:read" }, async ({ access }) => ({ network: access.network, role: access.role }));

export const PATCH = withNetwork({ role: "admin", body: networkUpdateSchema, scope: "networks:write" }, async ({ actor, access, body, meta }) => ({
  network: await updateNetwork(actor, access.network.id, body, meta),
}));

export const DELETE = withNetwork({ role: "owner", scope: "networks:delete" }, async ({ actor, access, meta }) => {
  await deleteNetwork(actor, access.network.id, meta);
  return null;
});
