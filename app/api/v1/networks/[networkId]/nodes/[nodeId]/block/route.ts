import { withNetwork } from "@/lib/api/with-network";
import { blockNode } from "@/lib/nodes/node-service";

export const POST = withNetwork({ role: "admin", scope: "nodes:write" }, async ({ actor, access, params, meta }) => ({ node: await blockNode(actor, access.network.id, String(params.nodeId), meta) }));
