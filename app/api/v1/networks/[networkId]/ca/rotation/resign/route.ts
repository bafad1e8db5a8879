import { withNetwork } from "@/lib/api/with-network";
import { resignAll, rotationStepSchema } from "@/lib/pki/ca-rotation";

/** Switches if needed, then re-signs every active host still on the old CA with its stored public key. */
export const POST = withNetwork({ role: "owner", body: rotationStepSchema, scope: "certificates:rotate" }, async ({ actor, access, body, meta }) => {
  const { resigned, remaining, status } = await resignAll(actor, access.network.id, body, meta);
  return { resigned, remaining, rotation: status };
});
