import { keycloakOnly } from "@/lib/api/keycloak-only";
import { withNetwork } from "@/lib/api/with-network";
import { groupGrantCreateSchema } from "@/lib/networks/group-grant-schemas";
import { createGroupGrant, listGroupGrants } from "@/lib/networks/group-grant-service";

export const GET = keycloakOnly(withNetwork({ role: "viewer", scope: "members:read" }, async ({ access }) => ({ grants: await listGroupGrants(access.network.id) })));

export const POST = keycloakOnly(
  withNetwork({ role: "owner", scope: "members:write", body: groupGrantCreateSchema, status: 201 }, async ({ actor, access, body, meta }) => ({
    grant: await createGroupGrant(actor, access.network.id, body, meta),
  })),
);
