import { keycloakOnly } from "@/lib/api/keycloak-only";
import { withNetwork } from "@/lib/api/with-network";
import { groupGrantUpdateSchema } from "@/lib/networks/group-grant-schemas";
import { changeGroupGrant, removeGroupGrant } from "@/lib/networks/group-grant-service";

export const PATCH = keycloakOnly(
  withNetwork({ role: "owner", scope: "members:write", body: groupGrantUpdateSchema }, async ({ actor, access, params, body, meta }) => ({
    grant: await changeGroupGrant(actor, access.network.id, String(params.grantId), body, meta),
  })),
);

export const DELETE = keycloakOnly(
  withNetwork({ role: "owner", scope: "members:write" }, async ({ actor, access, params, meta }) => {
    await removeGroupGrant(actor, access.network.id, String(params.grantId), meta);
    return null;
  }),
);
