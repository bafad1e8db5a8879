import { withNetwork } from "@/lib/api/with-network";
import { revokeLink } from "@/lib/enroll/link-service";

export const POST = withNetwork({ role: "admin", scope: "links:revoke" }, async ({ actor, access, params, meta }) => {
  await revokeLink(actor, access.network.id, String(params.linkId), meta);
  return null;
});
