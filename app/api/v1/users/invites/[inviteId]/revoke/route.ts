import { withActor } from "@/lib/api/with-network";
import { revokeInvite } from "@/lib/users/account-links";
import { assertSystemAdmin } from "@/lib/users/user-service";

export const POST = withActor({ status: 204, sessionOnly: true }, async ({ actor, params, meta }) => {
  assertSystemAdmin(actor);
  await revokeInvite(actor, String(params.inviteId), meta);
  return null;
});
