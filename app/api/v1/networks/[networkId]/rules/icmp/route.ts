import { z } from "zod";
import { withNetwork } from "@/lib/api/with-network";
import { setInboundIcmp } from "@/lib/firewall/rule-store";

/** The inbound ICMP (ping) toggle. */
export const PUT = withNetwork({ role: "admin", body: z.object({ enabled: z.boolean() }).strict(), scope: "rules:write" }, async ({ actor, access, body, meta }) => ({
  rules: await setInboundIcmp(actor, access.network.id, body.enabled, meta),
}));
