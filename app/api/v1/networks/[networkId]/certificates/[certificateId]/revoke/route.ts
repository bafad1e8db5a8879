import { z } from "zod";
import { withNetwork } from "@/lib/api/with-network";
import { revokeNodeCertificate } from "@/lib/nodes/node-service";

/** Puts the certificate's fingerprint on the network's blocklist, which every node's config carries. */
export const POST = withNetwork(
  { role: "admin", body: z.object({ reason: z.string().trim().min(1, "Give a reason").max(200) }).strict() },
  async ({ actor, access, params, body, meta }) => {
    const cert = await revokeNodeCertificate(actor, access.network.id, String(params.certificateId), body.reason, meta);
    return { certificate: { id: cert.id, fingerprint: cert.fingerprint, revokedAt: cert.revokedAt } };
  },
);
