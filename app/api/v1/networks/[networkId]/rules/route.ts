import { withNetwork } from "@/lib/api/with-network";
import { policyOverrideQuerySchema } from "@/lib/firewall/policy-schema";
import { ruleInputSchema } from "@/lib/firewall/rule-schema";
import { createRule, listRules } from "@/lib/firewall/rule-store";

export const GET = withNetwork({ role: "viewer", scope: "rules:read" }, async ({ access }) => ({ rules: await listRules(access.network.id) }));

export const POST = withNetwork({ role: "admin", body: ruleInputSchema, query: policyOverrideQuerySchema, status: 201, scope: "rules:write" }, async ({ actor, access, body, query, meta }) => ({
  rule: await createRule(actor, access.network.id, body, meta, { override: query.overridePolicy === "true", role: access.role }),
}));
