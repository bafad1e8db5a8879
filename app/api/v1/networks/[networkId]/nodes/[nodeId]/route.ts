import { withNetwork } from "@/lib/api/with-network";
import { policyOverrideQuerySchema } from "@/lib/firewall/policy-schema";
import { nodeUpdateSchema } from "@/lib/nodes/node-schemas";
import { deleteNode, getNode, updateNode } from "@/lib/nodes/node-service";

export const GET = withNetwork({ role: "viewer", scope: "nodes:read" }, async ({ access, params }) => ({ node: await getNode(access.network.id, String(params.nodeId)) }));

export const PATCH = withNetwork({ role: "admin", body: nodeUpdateSchema, query: policyOverrideQuerySchema, scope: "nodes:write" }, async ({ actor, access, params, body, query, meta }) => ({
  node: await updateNode(actor, access.network.id, String(params.nodeId), body, meta, { override: query.overridePolicy === "true", role: access.role }),
}));

export const DELETE = withNetwork({ role: "admin", scope: "nodes:write" }, async ({ actor, access, params, meta }) => {
  await deleteNode(actor, access.network.id, String(params.nodeId), meta);
  return null;
});
