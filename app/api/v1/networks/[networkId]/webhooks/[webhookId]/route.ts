import { withNetwork } from "@/lib/api/with-network";
import { webhookUpdateSchema } from "@/lib/webhooks/events";
import { deleteWebhook, getWebhook, updateWebhook } from "@/lib/webhooks/webhook-service";

export const GET = withNetwork({ role: "admin", scope: "webhooks:read" }, async ({ access, params }) => ({ webhook: await getWebhook(access.network.id, String(params.webhookId)) }));

export const PATCH = withNetwork({ role: "admin", body: webhookUpdateSchema, scope: "webhooks:write" }, async ({ actor, access, params, body, meta }) => ({
  webhook: await updateWebhook(actor, access.network.id, String(params.webhookId), body, meta),
}));

export const DELETE = withNetwork({ role: "admin", scope: "webhooks:write" }, async ({ actor, access, params, meta }) => {
  await deleteWebhook(actor, access.network.id, String(params.webhookId), meta);
  return null;
});
