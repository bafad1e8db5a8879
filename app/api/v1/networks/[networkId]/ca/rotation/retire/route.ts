import { withNetwork } from "@/lib/api/with-network";
import { retireOldCa } from "@/lib/pki/ca-rotation";

/** Takes the old CA out of every bundle; 409 naming the active hosts that have not applied a certificate from the new one. */
export const POST = withNetwork({ role: "owner", scope: "certificates:rotate" }, async ({ actor, access, meta }) => ({
  rotation: await retireOldCa(actor, access.network.id, meta),
}));
