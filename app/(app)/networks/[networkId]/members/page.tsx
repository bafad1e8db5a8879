import { loadNetworkForPage, requirePageActor } from "@/lib/auth/page-session";
import { hasRole } from "@/lib/auth/roles";
import { listMembers } from "@/lib/networks/member-service";
import { MembersPanel } from "./members-panel";

export const metadata = { title: "Members" };

export default async function MembersPage({ params }: { params: Promise<{ networkId: string }> }) {
  const { networkId } = await params;
  const actor = await requirePageActor();
  const { network, role } = await loadNetworkForPage(actor, networkId);
  const members = await listMembers(network.id);
  return <MembersPanel networkId={network.id} members={members} canManage={hasRole(role, "owner")} currentUserId={actor.id} />;
}
