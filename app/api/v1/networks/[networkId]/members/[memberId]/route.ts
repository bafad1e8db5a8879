import { withNetwork } from "@/lib/api/with-network";
import { memberUpdateSchema } from "@/lib/networks/network-schemas";
import { changeMemberRole, removeMember } from "@/lib/networks/member-service";

export const PATCH = withNetwork({ role: "owner", body: memberUpdateSchema, scope: "members:write" }, async ({ actor, access, params, body, meta }) => ({
  member: await changeMemberRole(actor, access.network.id, String(params.memberId), body, meta),
}));

export const DELETE = withNetwork({ role: "owner", scope: "members:write" }, async ({ actor, access, params, meta }) => {
  await removeMember(actor, access.network.id, String(params.memberId), meta);
  return null;
});
