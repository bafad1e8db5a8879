import { withActor } from "@/lib/api/with-network";
import { revokeApiToken } from "@/lib/auth/api-tokens";

export const POST = withActor({ sessionOnly: true }, async ({ actor, params, meta }) => ({ token: await revokeApiToken(actor, String(params.tokenId), meta) }));
