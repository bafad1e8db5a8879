import { withNetwork } from "@/lib/api/with-network";
import { createGroup, listGroups } from "@/lib/groups/group-service";
import { groupCreateSchema } from "@/lib/nodes/node-schemas";

export const GET = withNetwork({ role: "viewer", scope: "groups:read" }, async ({ access }) => ({ groups: await listGroups(access.network.id) }));

export const POST = withNetwork({ role: "admin", body: groupCreateSchema, status: 201, scope: "groups:write" }, async ({ actor, access, body, meta }) => ({
  group: await createGroup(actor, access.network.id, body, meta),
}));
