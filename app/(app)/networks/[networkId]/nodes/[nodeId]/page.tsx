import { notFound } from "next/navigation";
import { ApiError } from "@/lib/api/api-error";
import { loadNetworkForPage, requirePageActor } from "@/lib/auth/page-session";
import { hasRole } from "@/lib/auth/roles";
import { listGroups } from "@/lib/groups/group-service";
import { renderConfigFor } from "@/lib/nodes/node-config";
import { getNode } from "@/lib/nodes/node-service";
import { NodeDetail } from "./node-detail";

export const metadata = { title: "Node" };

export default async function NodePage({ params }: { params: Promise<{ networkId: string; nodeId: string }> }) {
  const { networkId, nodeId } = await params;
  const actor = await requirePageActor();
  const { network, role } = await loadNetworkForPage(actor, networkId);
  const node = await getNode(network.id, nodeId).catch((e) => {
    if (e instanceof ApiError && e.code === "not_found") notFound();
    throw e;
  });
  const [groups, config] = await Promise.all([
    listGroups(network.id),
    renderConfigFor(network.id, node.id).then(
      (c) => ({ yaml: c.yaml, etag: c.etag, error: null }),
      (e: unknown) => ({ yaml: null, etag: null, error: e instanceof ApiError ? e.message : "The config could not be rendered" }),
    ),
  ]);
  return <NodeDetail networkId={network.id} node={node} groups={groups.map((g) => g.name)} config={config} canEdit={hasRole(role, "admin")} />;
}
