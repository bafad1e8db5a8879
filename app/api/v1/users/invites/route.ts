import { withActor } from "@/lib/api/with-network";
import { inviteCreateSchema } from "@/lib/users/user-schemas";
import { createInvite, listPendingInvites } from "@/lib/users/account-links";
import { assertSystemAdmin } from "@/lib/users/user-service";

export const GET = withActor({ sessionOnly: true }, async ({ actor }) => {
  assertSystemAdmin(actor);
  return { invites: await listPendingInvites() };
});

/** The answer carries the link once; only its hash is kept. */
export const POST = withActor({ body: inviteCreateSchema, status: 201, sessionOnly: true }, async ({ actor, body, meta }) => {
  assertSystemAdmin(actor);
  return { invite: await createInvite(actor, body, meta) };
});
