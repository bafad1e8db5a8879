import { withNetwork } from "@/lib/api/with-network";
import { redeliver } from "@/lib/webhooks/webhook-service";

export const POST = withNetwork({ role: "admin", status: 202, scope: "webhooks:write" }, async ({ access, params }) => redeliver(access.network.id, String(params.webhookId), String(params.deliveryId)));
