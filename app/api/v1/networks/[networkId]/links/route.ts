import { withNetwork } from "@/lib/api/with-network";
import { policyOverrideQuerySchema } from "@/lib/firewall/policy-schema";
import { linkCreateSchema } from "@/lib/enroll/link-schemas";
import { createLink, listLinks } from "@/lib/enroll/link-service";

export const GET = withNetwork({ role: "viewer", scope: "links:read" }, async ({ access }) => ({ links: await listLinks(access.network.id) }));

/** The token is in this response only; the server keeps its SHA-256. */
export const POST = withNetwork({ role: "admin", body: linkCreateSchema, query: policyOverrideQuerySchema, status: 201, scope: "links:create" }, async ({ actor, access, body, query, meta }) =>
  createLink(actor, access.network, body, meta, { override: query.overridePolicy === "true", role: access.role }),
);
