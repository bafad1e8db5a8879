import { withNetwork } from "@/lib/api/with-network";
import { removeReservedRange } from "@/lib/ipam/reserved-ranges";

export const DELETE = withNetwork({ role: "admin", scope: "addresses:write" }, async ({ actor, access, params, meta }) => {
  await removeReservedRange(actor, access.network.id, String(params.rangeId), meta);
  return null;
});
