import { loadNetworkForPage, requirePageActor } from "@/lib/auth/page-session";
import { hasRole } from "@/lib/auth/roles";
import { networkMatrix } from "@/lib/firewall/reachability-service";
import { listRules } from "@/lib/firewall/rule-store";
import { isInboundIcmpDefault } from "@/lib/firewall/rule-schema";
import { listGroups } from "@/lib/groups/group-service";
import { listNodes } from "@/lib/nodes/node-service";
import { FirewallMatrix } from "./firewall-matrix";
import { ReachabilityCheck } from "./reachability-check";
import { RuleEditor } from "./rule-editor";

export const metadata = { title: "Firewall" };

export default async function FirewallPage({ params }: { params: Promise<{ networkId: string }> }) {
  const { networkId } = await params;
  const actor = await requirePageActor();
  const { network, role } = await loadNetworkForPage(actor, networkId);
  const [rules, groups, nodes, matrix] = await Promise.all([listRules(network.id), listGroups(network.id), listNodes(network.id), networkMatrix(network.id)]);
  const nodeChoices = nodes.filter((n) => n.ip).map((n) => ({ id: n.id, name: n.name, status: n.status }));
  return (
    <div className="space-y-8">
      <RuleEditor
        networkId={network.id}
        rules={rules}
        groups={groups.map((g) => g.name)}
        hosts={nodeChoices.map((n) => n.name)}
        icmpEnabled={rules.some(isInboundIcmpDefault)}
        canEdit={hasRole(role, "admin")}
      />
      <div className="grid gap-6 xl:grid-cols-2">
        <ReachabilityCheck networkId={network.id} nodes={nodeChoices.map((n) => ({ id: n.id, name: n.status === "active" ? n.name : `${n.name} (${n.status})` }))} />
        <FirewallMatrix matrix={matrix} />
      </div>
    </div>
  );
}
