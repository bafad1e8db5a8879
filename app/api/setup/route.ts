import { withPublic } from "@/lib/api/with-network";
import { ApiError } from "@/lib/api/api-error";
import { authMode } from "@/lib/auth/auth-config";
import { createFirstAdmin, setupSchema } from "@/lib/auth/local-accounts";

/** First-run setup: creates the first local admin. Exists only in local mode, and only once. */
export const POST = withPublic({ body: setupSchema, status: 201 }, async ({ body, meta }) => {
  if (authMode() !== "local") throw new ApiError("not_found", "Not found");
  const user = await createFirstAdmin(body, meta);
  return { id: user.id, displayName: user.displayName };
});
