import { withNetwork } from "@/lib/api/with-network";
import { rotateWebhookSecret } from "@/lib/webhooks/webhook-service";

/** The new secret is in this response only; the old one stops signing at once. */
export const POST = withNetwork({ role: "admin", scope: "webhooks:write" }, async ({ actor, access, params, meta }) => rotateWebhookSecret(actor, access.network.id, String(params.webhookId), meta));
