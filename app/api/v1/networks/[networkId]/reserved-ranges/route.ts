import { withNetwork } from "@/lib/api/with-network";
import { addReservedRange, listReservedRanges, reservedRangeSchema } from "@/lib/ipam/reserved-ranges";

export const GET = withNetwork({ role: "viewer", scope: "addresses:read" }, async ({ access }) => ({ ranges: await listReservedRanges(access.network.id) }));

export const POST = withNetwork({ role: "admin", body: reservedRangeSchema, status: 201, scope: "addresses:write" }, async ({ actor, access, body, meta }) => ({
  range: await addReservedRange(actor, access.network, body, meta),
}));
