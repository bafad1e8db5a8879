import { withNetwork } from "@/lib/api/with-network";
import { sendTestEvent } from "@/lib/webhooks/webhook-service";

export const POST = withNetwork({ role: "admin", status: 202, scope: "webhooks:write" }, async ({ actor, access, params }) => sendTestEvent(actor, access.network.id, String(params.webhookId)));
