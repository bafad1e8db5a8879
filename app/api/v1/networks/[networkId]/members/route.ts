import { withNetwork } from "@/lib/api/with-network";
import { memberAddSchema } from "@/lib/networks/network-schemas";
import { addMember, listMembers } from "@/lib/networks/member-service";

export const GET = withNetwork({ role: "viewer" }, async ({ access }) => ({ members: await listMembers(access.network.id) }));

export const POST = withNetwork({ role: "owner", body: memberAddSchema, status: 201 }, async ({ actor, access, body, meta }) => ({
  member: await addMember(actor, access.network.id, body, meta),
}));
