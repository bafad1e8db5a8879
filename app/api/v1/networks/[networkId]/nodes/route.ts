import { withNetwork } from "@/lib/api/with-network";
import { nodeCreateSchema } from "@/lib/nodes/node-schemas";
import { createNode, listNodes } from "@/lib/nodes/node-service";

export const GET = withNetwork({ role: "viewer" }, async ({ access }) => ({ nodes: await listNodes(access.network.id) }));

export const POST = withNetwork({ role: "admin", body: nodeCreateSchema, status: 201 }, async ({ actor, access, body, meta }) => ({
  node: await createNode(actor, access.network, body, meta),
}));
