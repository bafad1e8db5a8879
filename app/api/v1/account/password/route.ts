import { withActor } from "@/lib/api/with-network";
import { passwordChangeSchema } from "@/lib/users/user-schemas";
import { assertLocalMode, changeOwnPassword } from "@/lib/users/user-service";

/** Your own password: the current one is required, tries are limited per user, your other sessions end. */
export const POST = withActor({ body: passwordChangeSchema, sessionOnly: true }, async ({ actor, body, meta }) => {
  assertLocalMode();
  return changeOwnPassword(actor, body, meta);
});
