import { withNetwork } from "@/lib/api/with-network";
import { webhookCreateSchema } from "@/lib/webhooks/events";
import { createWebhook, listWebhooks } from "@/lib/webhooks/webhook-service";

export const GET = withNetwork({ role: "admin", scope: "webhooks:read" }, async ({ access }) => ({ webhooks: await listWebhooks(access.network.id) }));

/** The signing secret is in this response only. */
export const POST = withNetwork({ role: "admin", body: webhookCreateSchema, status: 201, scope: "webhooks:write" }, async ({ actor, access, body, meta }) => createWebhook(actor, access.network.id, body, meta));
