import { withActor } from "@/lib/api/with-network";
import { createApiToken, listApiTokens, tokenCreateSchema } from "@/lib/auth/api-tokens";

/** The caller's own API tokens. Session only: a token can neither see nor mint tokens. */
export const GET = withActor({ sessionOnly: true }, async ({ actor }) => ({ tokens: await listApiTokens(actor) }));

/** The answer's `secret` is the token itself, shown this once; only its hash is kept. */
export const POST = withActor({ body: tokenCreateSchema, status: 201, sessionOnly: true }, async ({ actor, body, meta }) => createApiToken(actor, body, meta));
