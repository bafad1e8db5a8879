import { z } from "zod";
import { withNetwork } from "@/lib/api/with-network";
import { buildBundle } from "@/lib/nodes/bundle";
import { renderConfigFor } from "@/lib/nodes/node-config";
import { issueNodeCertificate, getNode } from "@/lib/nodes/node-service";

/**
 * `{ newKey: true }` makes a key pair here and signs it: the private key is in this response
 * only, never stored (a second download makes a new pair). Without it, the bundle carries the
 * current certificate and the host keeps its own key.
 */

export const POST = withNetwork({ role: "admin", body: z.object({ newKey: z.boolean().default(false) }).strict(), scope: "nodes:write" }, async ({ actor, access, params, body, meta }) => {
  const nodeId = String(params.nodeId);
  const keyPem = body.newKey ? (await issueNodeCertificate(actor, access.network, nodeId, null, meta)).privateKeyPem : null;
  const config = await renderConfigFor(access.network.id, nodeId);
  const node = await getNode(access.network.id, nodeId);
  const zip = buildBundle({ configYaml: config.yaml, caPem: config.caPem, certPem: config.certPem, keyPem });
  return new Response(Buffer.from(zip), {
    headers: {
      "content-type": "application/zip",
      "content-disposition": `attachment; filename="${node.name}-nebula.zip"`,
      "cache-control": "no-store",
    },
  });
});
