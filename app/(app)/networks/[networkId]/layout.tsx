import { loadNetworkForPage, requirePageActor } from "@/lib/auth/page-session";
import { RoleBadge } from "../../../_components/role-badge";
import { CaExpiryBanner } from "../../../_components/ca-expiry-banner";
import { NetworkTabs } from "./network-tabs";
import { rangesText } from "@/lib/ipam/address-space";

export default async function NetworkLayout({ children, params }: { children: React.ReactNode; params: Promise<{ networkId: string }> }) {
  const { networkId } = await params;
  const actor = await requirePageActor();
  const { network, memberRole } = await loadNetworkForPage(actor, networkId);
  return (
    <div className="space-y-6">
      <div className="flex flex-wrap items-center gap-3">
        <h1 className="text-2xl font-semibold">{network.name}</h1>
        <code className="rounded bg-slate-100 px-2 py-0.5 font-mono text-sm dark:bg-slate-800">{rangesText(network)}</code>
        <RoleBadge role={memberRole} />
      </div>
      <NetworkTabs networkId={network.id} />
      <CaExpiryBanner networkId={network.id} />
      {children}
    </div>
  );
}
