import { withNetwork } from "@/lib/api/with-network";
import { signKeySchema } from "@/lib/nodes/node-schemas";
import { issueNodeCertificate } from "@/lib/nodes/node-service";

/** Signs the host's own public key: the private key never leaves the host. */
export const POST = withNetwork({ role: "admin", body: signKeySchema, status: 201, scope: "nodes:write" }, async ({ actor, access, params, body, meta }) => {
  const { certificate } = await issueNodeCertificate(actor, access.network, String(params.nodeId), body.publicKeyPem, meta);
  return { certificate: { id: certificate.id, fingerprint: certificate.fingerprint, notAfter: certificate.notAfter, pem: certificate.pem } };
});
