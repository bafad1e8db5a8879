import { loadNetworkForPage, requirePageActor } from "@/lib/auth/page-session";
import { hasRole } from "@/lib/auth/roles";
import { listDeliveries, listWebhooks } from "@/lib/webhooks/webhook-service";
import { WebhooksPanel } from "./webhooks-panel";

export const metadata = { title: "Webhooks" };

export default async function WebhooksPage({ params }: { params: Promise<{ networkId: string }> }) {
  const { networkId } = await params;
  const actor = await requirePageActor();
  const { network, role } = await loadNetworkForPage(actor, networkId);
  // Delivery logs carry the events' bodies and the receivers' answers: admins only, like the API.
  if (!hasRole(role, "admin")) {
    return <p className="text-sm text-slate-600 dark:text-slate-400">Only the network&apos;s admins manage its webhooks.</p>;
  }
  const webhooks = await listWebhooks(network.id);
  const deliveries = Object.fromEntries(await Promise.all(webhooks.map(async (w) => [w.id, await listDeliveries(network.id, w.id, 20)] as const)));
  return <WebhooksPanel networkId={network.id} webhooks={webhooks} deliveries={deliveries} />;
}
