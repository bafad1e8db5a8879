import { withNetwork } from "@/lib/api/with-network";
import { policyOverrideQuerySchema } from "@/lib/firewall/policy-schema";
import { ruleInputSchema } from "@/lib/firewall/rule-schema";
import { deleteRule, updateRule } from "@/lib/firewall/rule-store";

export const PUT = withNetwork({ role: "admin", body: ruleInputSchema, query: policyOverrideQuerySchema, scope: "rules:write" }, async ({ actor, access, params, body, query, meta }) => ({
  rule: await updateRule(actor, access.network.id, String(params.ruleId), body, meta, { override: query.overridePolicy === "true", role: access.role }),
}));

export const DELETE = withNetwork({ role: "admin", query: policyOverrideQuerySchema, scope: "rules:write" }, async ({ actor, access, params, query, meta }) => {
  await deleteRule(actor, access.network.id, String(params.ruleId), meta, { override: query.overridePolicy === "true", role: access.role });
  return null;
});
