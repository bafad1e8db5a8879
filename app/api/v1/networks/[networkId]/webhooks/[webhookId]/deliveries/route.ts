import { withNetwork } from "@/lib/api/with-network";
import { deliveryQuerySchema } from "@/lib/webhooks/events";
import { listDeliveries } from "@/lib/webhooks/webhook-service";

export const GET = withNetwork({ role: "admin", query: deliveryQuerySchema, scope: "webhooks:read" }, async ({ access, params, query }) => ({
  deliveries: await listDeliveries(access.network.id, String(params.webhookId), query.limit),
}));
