import { z } from "zod";
import { withNetwork } from "@/lib/api/with-network";
import { policyOverrideQuerySchema } from "@/lib/firewall/policy-schema";
import { setInboundIcmp } from "@/lib/firewall/rule-store";

/** The inbound ICMP (ping) toggle. */
export const PUT = withNetwork({ role: "admin", body: z.object({ enabled: z.boolean() }).strict(), query: policyOverrideQuerySchema, scope: "rules:write" }, async ({ actor, access, body, query, meta }) => ({
  rules: await setInboundIcmp(actor, access.network.id, body.enabled, meta, { override: query.overridePolicy === "true", role: access.role }),
}));
