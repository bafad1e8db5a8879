import { withNetwork } from "@/lib/api/with-network";
import { renderConfigFor } from "@/lib/nodes/node-config";

/** The node's rendered config.yml, as the agent would write it. `?download=1` serves it as a file. */
export const GET = withNetwork({ role: "viewer", scope: "nodes:read" }, async ({ access, params, req }) => {
  const config = await renderConfigFor(access.network.id, String(params.nodeId));
  const download = new URL(req.url).searchParams.get("download") === "1";
  return new Response(config.yaml, {
    headers: {
      "content-type": "text/yaml; charset=utf-8",
      etag: config.etag,
      ...(download ? { "content-disposition": 'attachment; filename="config.yml"' } : {}),
    },
  });
});
