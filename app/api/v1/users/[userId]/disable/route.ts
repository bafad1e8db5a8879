import { withActor } from "@/lib/api/with-network";
import { assertSystemAdmin, setUserDisabled } from "@/lib/users/user-service";

export const POST = withActor({ sessionOnly: true }, async ({ actor, params, meta }) => {
  assertSystemAdmin(actor);
  return { user: await setUserDisabled(actor, String(params.userId), true, meta) };
});
