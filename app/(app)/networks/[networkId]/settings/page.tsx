import { loadNetworkForPage, requirePageActor } from "@/lib/auth/page-session";
import { hasRole } from "@/lib/auth/roles";
import { NetworkSettings } from "../network-settings";

export const metadata = { title: "Network settings" };

export default async function SettingsPage({ params }: { params: Promise<{ networkId: string }> }) {
  const { networkId } = await params;
  const actor = await requirePageActor();
  const { network, role } = await loadNetworkForPage(actor, networkId);
  if (!hasRole(role, "admin")) return <p className="text-sm text-slate-500">Only admins and owners can change this network.</p>;
  return (
    <div className="max-w-xl">
      <NetworkSettings network={{ id: network.id, name: network.name, description: network.description }} canDelete={hasRole(role, "owner")} />
    </div>
  );
}
