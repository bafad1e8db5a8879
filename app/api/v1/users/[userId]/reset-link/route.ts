import { withActor } from "@/lib/api/with-network";
import { issuePasswordReset } from "@/lib/users/account-links";
import { assertSystemAdmin } from "@/lib/users/user-service";

/** The answer carries the link once; only its hash is kept. An older unused link of the user stops working. */
export const POST = withActor({ status: 201, sessionOnly: true }, async ({ actor, params, meta }) => {
  assertSystemAdmin(actor);
  return { reset: await issuePasswordReset(actor, String(params.userId), meta) };
});
