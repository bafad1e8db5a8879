import { withNetwork } from "@/lib/api/with-network";
import { assertionInputSchema } from "@/lib/firewall/policy-schema";
import { deleteAssertion, updateAssertion } from "@/lib/firewall/policy-store";

/** Changing or deleting an assertion loosens the guard just as an override does: owners only. */
export const PUT = withNetwork({ role: "owner", body: assertionInputSchema, scope: "policy:write" }, async ({ actor, access, params, body, meta }) =>
  updateAssertion(actor, access.network.id, String(params.assertionId), body, meta),
);

export const DELETE = withNetwork({ role: "owner", scope: "policy:write" }, async ({ actor, access, params, meta }) => {
  await deleteAssertion(actor, access.network.id, String(params.assertionId), meta);
  return null;
});
