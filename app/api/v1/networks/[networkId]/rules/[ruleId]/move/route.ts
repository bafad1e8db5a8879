import { z } from "zod";
import { withNetwork } from "@/lib/api/with-network";
import { policyOverrideQuerySchema } from "@/lib/firewall/policy-schema";
import { moveRule } from "@/lib/firewall/rule-store";

export const POST = withNetwork({ role: "admin", body: z.object({ direction: z.enum(["up", "down"]) }).strict(), query: policyOverrideQuerySchema, scope: "rules:write" }, async ({ actor, access, params, body, query, meta }) => ({
  rules: await moveRule(actor, access.network.id, String(params.ruleId), body.direction, meta, { override: query.overridePolicy === "true", role: access.role }),
}));
