import { withPublic } from "@/lib/api/with-network";
import { AppError } from "@/lib/core/app-error";
import { authMode } from "@/lib/auth/auth-config";
import { createFirstAdmin, localSetupNeeded, setupSchema } from "@/lib/auth/local-accounts";
import { isSetupCode } from "@/lib/auth/setup-code";
import { addressLimitKey } from "@/lib/ratelimit/address-key";
import { consume } from "@/lib/ratelimit/enforce-limit";

/** Guesses at the setup code, per address; far more than a person needs, far too few to guess 75 bits. */
export const SETUP_LIMIT = { windowSeconds: 15 * 60, max: 10 };

/**
 * First-run setup: creates the first local admin. Exists only in local mode, only once, and only
 * with the setup code from the server's log. The cheap refusals (rate limit, setup closed, wrong
 * code) all come before the password is hashed.
 */
export const POST = withPublic({ body: setupSchema, status: 201 }, async ({ body, meta }) => {
  if (authMode() !== "local") throw new AppError("not_found", "Not found");
  await consume([{ key: addressLimitKey("setup", meta.clientIp), ...SETUP_LIMIT }], "setup attempts");
  if (!(await localSetupNeeded())) throw new AppError("conflict", "Setup is already complete; sign in instead");
  if (!isSetupCode(body.code)) {
    throw new AppError("validation_failed", "Some fields are not valid", { code: ["That is not this server's setup code. The server prints it in its log when it starts."] });
  }
  const user = await createFirstAdmin(body, meta);
  return { id: user.id, displayName: user.displayName };
});
