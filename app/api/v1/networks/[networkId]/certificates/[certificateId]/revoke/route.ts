import { withNetwork } from "@/lib/api/with-network";
import { certificateRevokeSchema } from "@/lib/nodes/node-schemas";
import { revokeNodeCertificate } from "@/lib/nodes/node-service";

/** Puts the certificate's fingerprint on the network's blocklist, which every node's config carries. */
export const POST = withNetwork(
  { role: "admin", body: certificateRevokeSchema, scope: "certificates:revoke" },
  async ({ actor, access, params, body, meta }) => {
    const cert = await revokeNodeCertificate(actor, access.network.id, String(params.certificateId), body.reason, meta);
    return { certificate: { id: cert.id, fingerprint: cert.fingerprint, revokedAt: cert.revokedAt } };
  },
);
