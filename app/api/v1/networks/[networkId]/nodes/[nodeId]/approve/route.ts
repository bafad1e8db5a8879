import { withNetwork } from "@/lib/api/with-network";
import { approveNode } from "@/lib/nodes/node-service";

export const POST = withNetwork({ role: "admin", scope: "nodes:write" }, async ({ actor, access, params, meta }) => ({ node: await approveNode(actor, access.network, String(params.nodeId), meta) }));
