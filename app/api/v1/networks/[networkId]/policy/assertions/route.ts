import { withNetwork } from "@/lib/api/with-network";
import { assertionInputSchema } from "@/lib/firewall/policy-schema";
import { createAssertion, listAssertions } from "@/lib/firewall/policy-store";

export const GET = withNetwork({ role: "viewer", scope: "policy:read" }, async ({ access }) => ({ assertions: await listAssertions(access.network.id) }));

/** Adding an assertion only narrows what later rule changes may do, so admins may; the answer says whether it holds now. */
export const POST = withNetwork({ role: "admin", body: assertionInputSchema, status: 201, scope: "policy:write" }, async ({ actor, access, body, meta }) =>
  createAssertion(actor, access.network.id, body, meta),
);
