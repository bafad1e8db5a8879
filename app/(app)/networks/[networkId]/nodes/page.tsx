import { loadNetworkForPage, requirePageActor } from "@/lib/auth/page-session";
import { hasRole } from "@/lib/auth/roles";
import { listGroups } from "@/lib/groups/group-service";
import { listNodesPage, nodeQuerySchema } from "@/lib/nodes/node-query";
import { NodesPanel } from "./nodes-panel";

export const metadata = { title: "Nodes" };

/** One page of nodes, searched and filtered by the URL (?q, ?group, ?kind, ?page) in the database. */
export default async function NodesPage({ params, searchParams }: { params: Promise<{ networkId: string }>; searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const { networkId } = await params;
  const actor = await requirePageActor();
  const { network, role } = await loadNetworkForPage(actor, networkId);
  const given = Object.fromEntries(Object.entries(await searchParams).flatMap(([k, v]) => (typeof v === "string" && v !== "" && k !== "pageSize" ? [[k, v]] : [])));
  // A hand-edited URL with a bad value shows the first page of everything rather than an error.
  const parsed = nodeQuerySchema.safeParse(given);
  const query = parsed.success ? parsed.data : nodeQuerySchema.parse({});
  const [page, groups] = await Promise.all([listNodesPage(network.id, query), listGroups(network.id)]);
  return <NodesPanel networkId={network.id} cidr={network.cidr ?? network.cidr6 ?? ""} page={page} query={{ q: query.q, group: query.group, kind: query.kind ?? "" }} groups={groups.map((g) => g.name)} canEdit={hasRole(role, "admin")} />;
}
