import { loadNetworkForPage, requirePageActor } from "@/lib/auth/page-session";
import { hasRole } from "@/lib/auth/roles";
import { NetworkSettings } from "../network-settings";
import { listReservedRanges } from "@/lib/ipam/reserved-ranges";
import { ReservedRangesPanel } from "./reserved-ranges-panel";
import { PollIntervalPanel } from "./poll-interval-panel";
import { FirewallActionsPanel } from "./firewall-actions-panel";
import { Ipv6RangePanel } from "./ipv6-range-panel";
import { IPV6_NEEDS_V2 } from "@/lib/networks/network-schemas";
import { db } from "@/lib/db/client";

export const metadata = { title: "Network settings" };

export default async function SettingsPage({ params }: { params: Promise<{ networkId: string }> }) {
  const { networkId } = await params;
  const actor = await requirePageActor();
  const { network, role } = await loadNetworkForPage(actor, networkId);
  const [ranges, actions] = await Promise.all([
    listReservedRanges(network.id),
    db.network.findUniqueOrThrow({ where: { id: network.id }, select: { inboundAction: true, outboundAction: true, cidr6: true, certVersion: true, nebulaTarget: true } }),
  ]);
  return (
    <div className="grid gap-6 lg:grid-cols-2">
      {hasRole(role, "admin") ? (
        <NetworkSettings network={{ id: network.id, name: network.name, description: network.description }} canDelete={hasRole(role, "owner")} />
      ) : (
        <p className="text-sm text-slate-500 dark:text-slate-400">Only admins and owners can change this network.</p>
      )}
      <ReservedRangesPanel networkId={network.id} ranges={ranges} canEdit={hasRole(role, "admin")} />
      <PollIntervalPanel networkId={network.id} pollSeconds={network.pollSeconds} canEdit={hasRole(role, "admin")} />
      <FirewallActionsPanel networkId={network.id} inbound={actions.inboundAction} outbound={actions.outboundAction} canEdit={hasRole(role, "admin")} />
      <Ipv6RangePanel
        networkId={network.id}
        cidr6={actions.cidr6}
        ipv6Only={network.cidr === null}
        blockedReason={actions.certVersion === 2 && actions.nebulaTarget === "v1_10" ? null : IPV6_NEEDS_V2}
        canEdit={hasRole(role, "admin")}
      />
    </div>
  );
}
