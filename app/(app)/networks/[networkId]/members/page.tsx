import { loadNetworkForPage, requirePageActor } from "@/lib/auth/page-session";
import { hasRole } from "@/lib/auth/roles";
import { listMembers } from "@/lib/networks/member-service";
import { MembersPanel } from "./members-panel";
import { GroupGrantsSection } from "./group-grants-section";

export const metadata = { title: "Members" };

export default async function MembersPage({ params }: { params: Promise<{ networkId: string }> }) {
  const { networkId } = await params;
  const actor = await requirePageActor();
  const { network, role } = await loadNetworkForPage(actor, networkId);
  const members = await listMembers(network.id);
  return <div className="space-y-8"><MembersPanel networkId={network.id} members={members} canManage={hasRole(role, "owner")} currentUserId={actor.id} /><GroupGrantsSection networkId={network.id} canManage={hasRole(role, "owner")} /></div>;
}
