import { withNetwork } from "@/lib/api/with-network";
import { ruleInputSchema } from "@/lib/firewall/rule-schema";
import { createRule, listRules } from "@/lib/firewall/rule-store";

export const GET = withNetwork({ role: "viewer", scope: "rules:read" }, async ({ access }) => ({ rules: await listRules(access.network.id) }));

export const POST = withNetwork({ role: "admin", body: ruleInputSchema, status: 201, scope: "rules:write" }, async ({ actor, access, body, meta }) => ({
  rule: await createRule(actor, access.network.id, body, meta),
}));
