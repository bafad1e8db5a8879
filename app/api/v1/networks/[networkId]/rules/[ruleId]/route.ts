import { withNetwork } from "@/lib/api/with-network";
import { ruleInputSchema } from "@/lib/firewall/rule-schema";
import { deleteRule, updateRule } from "@/lib/firewall/rule-store";

export const PUT = withNetwork({ role: "admin", body: ruleInputSchema, scope: "rules:write" }, async ({ actor, access, params, body, meta }) => ({
  rule: await updateRule(actor, access.network.id, String(params.ruleId), body, meta),
}));

export const DELETE = withNetwork({ role: "admin", scope: "rules:write" }, async ({ actor, access, params, meta }) => {
  await deleteRule(actor, access.network.id, String(params.ruleId), meta);
  return null;
});
