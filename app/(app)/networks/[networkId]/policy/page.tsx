import { loadNetworkForPage, requirePageActor } from "@/lib/auth/page-session";
import { hasRole } from "@/lib/auth/roles";
import { listAssertions } from "@/lib/firewall/policy-store";
import { listGroups } from "@/lib/groups/group-service";
import { PolicyPanel } from "./policy-panel";

export const metadata = { title: "Policy" };

export default async function PolicyPage({ params }: { params: Promise<{ networkId: string }> }) {
  const { networkId } = await params;
  const actor = await requirePageActor();
  const { network, role } = await loadNetworkForPage(actor, networkId);
  const [assertions, groups] = await Promise.all([listAssertions(network.id), listGroups(network.id)]);
  return (
    <PolicyPanel
      networkId={network.id}
      assertions={assertions}
      groups={groups.map((g) => g.name)}
      canAdd={hasRole(role, "admin")}
      canRemove={hasRole(role, "owner")}
    />
  );
}
