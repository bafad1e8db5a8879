import { withNetwork } from "@/lib/api/with-network";
import { policyOverrideQuerySchema } from "@/lib/firewall/policy-schema";
import { nodeCreateSchema } from "@/lib/nodes/node-schemas";
import { listNodesPage, nodeQuerySchema } from "@/lib/nodes/node-query";
import { createNode, listNodes } from "@/lib/nodes/node-service";

/**
 * Every node, or, given any of q, group, kind, page or pageSize, one page of them searched in the
 * database with the total (for large networks, and for pickers that search by name).
 */
export const GET = withNetwork({ role: "viewer", query: nodeQuerySchema, scope: "nodes:read" }, async ({ req, access, query }) =>
  new URL(req.url).searchParams.size > 0 ? listNodesPage(access.network.id, query) : { nodes: await listNodes(access.network.id) },
);

export const POST = withNetwork({ role: "admin", body: nodeCreateSchema, query: policyOverrideQuerySchema, status: 201, scope: "nodes:write" }, async ({ actor, access, body, query, meta }) => ({
  node: await createNode(actor, access.network, body, meta, { override: query.overridePolicy === "true", role: access.role }),
}));
