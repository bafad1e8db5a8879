import { loadNetworkForPage, requirePageActor } from "@/lib/auth/page-session";
import { hasRole } from "@/lib/auth/roles";
import { listGroups } from "@/lib/groups/group-service";
import { listNodes } from "@/lib/nodes/node-service";
import { NodesPanel } from "./nodes-panel";

export const metadata = { title: "Nodes" };

export default async function NodesPage({ params }: { params: Promise<{ networkId: string }> }) {
  const { networkId } = await params;
  const actor = await requirePageActor();
  const { network, role } = await loadNetworkForPage(actor, networkId);
  const [nodes, groups] = await Promise.all([listNodes(network.id), listGroups(network.id)]);
  return <NodesPanel networkId={network.id} cidr={network.cidr} nodes={nodes} groups={groups.map((g) => g.name)} canEdit={hasRole(role, "admin")} />;
}
