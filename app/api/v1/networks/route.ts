import { withActor } from "@/lib/api/with-network";
import { networkCreateSchema } from "@/lib/networks/network-schemas";
import { createNetwork, listNetworksFor } from "@/lib/networks/network-service";

export const GET = withActor({ scope: "networks:read", honoursNetworkLimit: true }, async ({ actor }) => ({ networks: await listNetworksFor(actor) }));

export const POST = withActor({ body: networkCreateSchema, status: 201, scope: "networks:write" }, async ({ actor, body, meta }) => {
  const network = await createNetwork(actor, body, meta);
  return { network };
});
