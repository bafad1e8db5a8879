import { withPublic } from "@/lib/api/with-network";
import { addressLimitKey } from "@/lib/ratelimit/address-key";
import { consume } from "@/lib/ratelimit/enforce-limit";
import { redeemPasswordReset } from "@/lib/users/account-links";
import { resetUseSchema } from "@/lib/users/user-schemas";
import { assertLocalMode } from "@/lib/users/user-service";

/** Per address, as for invites. */
export const RESET_LIMIT = { windowSeconds: 15 * 60, max: 20 };

/** Uses a reset link: sets the password and ends every session of the user. */
export const POST = withPublic({ body: resetUseSchema, maxBodyBytes: 4096 }, async ({ body, meta }) => {
  assertLocalMode();
  await consume([{ key: addressLimitKey("reset", meta.clientIp), ...RESET_LIMIT }], "attempts");
  return redeemPasswordReset(body.token, body.password, meta);
});
