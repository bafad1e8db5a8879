import { withActor } from "@/lib/api/with-network";
import { userSearchQuerySchema } from "@/lib/users/user-schemas";
import { searchUsers } from "@/lib/users/user-service";

/**
 * The user picker's search (adding a member): any signed-in user, at least two characters, at
 * most ten answers, and only ids and names, so that it cannot be used to list every account.
 */
export const GET = withActor({ query: userSearchQuerySchema, scope: "users:read" }, async ({ query }) => ({ users: await searchUsers(query.q) }));
