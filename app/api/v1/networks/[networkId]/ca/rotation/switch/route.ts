import { withNetwork } from "@/lib/api/with-network";
import { rotationStepSchema, switchSigning } from "@/lib/pki/ca-rotation";

/** The new CA signs from now on; hosts on the old one renew to it. 409 while hosts do not trust it yet (unless forced). */
export const POST = withNetwork({ role: "owner", body: rotationStepSchema, scope: "certificates:rotate" }, async ({ actor, access, body, meta }) => {
  const { switched, status } = await switchSigning(actor, access.network.id, body, meta);
  return { switched, rotation: status };
});
