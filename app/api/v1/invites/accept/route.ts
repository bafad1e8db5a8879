import { withPublic } from "@/lib/api/with-network";
import { addressLimitKey } from "@/lib/ratelimit/address-key";
import { consume } from "@/lib/ratelimit/enforce-limit";
import { acceptInvite } from "@/lib/users/account-links";
import { inviteAcceptSchema } from "@/lib/users/user-schemas";
import { assertLocalMode } from "@/lib/users/user-service";

/** Per address: plenty for a person fixing a taken username, far too few to guess 256 bits. */
export const ACCOUNT_LINK_LIMIT = { windowSeconds: 15 * 60, max: 20 };

/** Creates the invited account (then the page signs in with the new password). Counted before argon2 runs. */
export const POST = withPublic({ body: inviteAcceptSchema, status: 201, maxBodyBytes: 4096 }, async ({ body, meta }) => {
  assertLocalMode();
  await consume([{ key: addressLimitKey("invite", meta.clientIp), ...ACCOUNT_LINK_LIMIT }], "attempts");
  return { user: await acceptInvite(body, meta) };
});
