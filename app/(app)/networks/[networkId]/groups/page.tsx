import { loadNetworkForPage, requirePageActor } from "@/lib/auth/page-session";
import { hasRole } from "@/lib/auth/roles";
import { listGroups } from "@/lib/groups/group-service";
import { GroupsPanel } from "./groups-panel";

export const metadata = { title: "Groups" };

export default async function GroupsPage({ params }: { params: Promise<{ networkId: string }> }) {
  const { networkId } = await params;
  const actor = await requirePageActor();
  const { network, role } = await loadNetworkForPage(actor, networkId);
  return <GroupsPanel networkId={network.id} groups={await listGroups(network.id)} canEdit={hasRole(role, "admin")} />;
}
