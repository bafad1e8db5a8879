import { loadNetworkForPage, requirePageActor } from "@/lib/auth/page-session";
import { hasRole } from "@/lib/auth/roles";
import { listLinks } from "@/lib/enroll/link-service";
import { listGroups } from "@/lib/groups/group-service";
import { LinksPanel } from "./links-panel";

export const metadata = { title: "Join links" };

export default async function LinksPage({ params }: { params: Promise<{ networkId: string }> }) {
  const { networkId } = await params;
  const actor = await requirePageActor();
  const { network, role } = await loadNetworkForPage(actor, networkId);
  const [links, groups] = await Promise.all([listLinks(network.id), listGroups(network.id)]);
  return <LinksPanel networkId={network.id} links={links} groups={groups.map((g) => g.name)} canEdit={hasRole(role, "admin")} />;
}
