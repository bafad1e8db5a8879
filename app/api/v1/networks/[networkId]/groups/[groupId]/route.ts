import { withNetwork } from "@/lib/api/with-network";
import { deleteGroup, updateGroup } from "@/lib/groups/group-service";
import { groupUpdateSchema } from "@/lib/nodes/node-schemas";

export const PATCH = withNetwork({ role: "admin", body: groupUpdateSchema, scope: "groups:write" }, async ({ actor, access, params, body, meta }) => ({
  group: await updateGroup(actor, access.network.id, String(params.groupId), body, meta),
}));

export const DELETE = withNetwork({ role: "admin", scope: "groups:write" }, async ({ actor, access, params, meta }) => {
  await deleteGroup(actor, access.network.id, String(params.groupId), meta);
  return null;
});
