import { NextResponse } from "next/server";
import { withNetwork } from "@/lib/api/with-network";
import { memberAddSchema } from "@/lib/networks/network-schemas";
import { addMemberByEmail, addMemberById, listMembers } from "@/lib/networks/member-service";

export const GET = withNetwork({ role: "viewer", scope: "members:read" }, async ({ access }) => ({ members: await listMembers(access.network.id) }));

/** By user id: 201 and the member. By email: always 202 and the same body, whether or not anyone matched. */
export const POST = withNetwork({ role: "owner", body: memberAddSchema, status: 201, scope: "members:write" }, async ({ actor, access, body, meta }) => {
  if (body.userId) return { member: await addMemberById(actor, access.network.id, body.userId, body.role, meta) };
  if (body.email) await addMemberByEmail(actor, access.network.id, body.email, body.role, meta);
  return NextResponse.json({ status: "accepted" }, { status: 202 });
});
