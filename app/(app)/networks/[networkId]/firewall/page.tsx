import { loadNetworkForPage, requirePageActor } from "@/lib/auth/page-session";
import { hasRole } from "@/lib/auth/roles";
import { networkMatrix } from "@/lib/firewall/reachability-service";
import { listRules } from "@/lib/firewall/rule-store";
import { isInboundIcmpDefault } from "@/lib/firewall/rule-schema";
import { listGroups } from "@/lib/groups/group-service";
import { db } from "@/lib/db/client";
import { FirewallMatrix } from "./firewall-matrix";
import { ReachabilityCheck } from "./reachability-check";
import { RuleEditor } from "./rule-editor";

export const metadata = { title: "Firewall" };

export default async function FirewallPage({ params }: { params: Promise<{ networkId: string }> }) {
  const { networkId } = await params;
  const actor = await requirePageActor();
  const { network, role } = await loadNetworkForPage(actor, networkId);
  // Nodes are not listed here: the pickers search them as people type (a network may have 10,000).
  const [rules, groups, nodeCount, matrix] = await Promise.all([listRules(network.id), listGroups(network.id), db.node.count({ where: { networkId: network.id } }), networkMatrix(network.id)]);
  return (
    <div className="space-y-8">
      <RuleEditor
        networkId={network.id}
        rules={rules}
        groups={groups.map((g) => g.name)}
        icmpEnabled={rules.some(isInboundIcmpDefault)}
        canEdit={hasRole(role, "admin")}
        canOverride={role === "owner"}
      />
      <div className="grid gap-6 xl:grid-cols-2">
        <ReachabilityCheck networkId={network.id} hasNodes={nodeCount > 0} />
        <FirewallMatrix matrix={matrix} />
      </div>
    </div>
  );
}
