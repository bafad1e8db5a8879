import { loadNetworkForPage, requirePageActor } from "@/lib/auth/page-session";
import { db } from "@/lib/db/client";
import { topologyOf } from "@/lib/nodes/topology-data";
import { fleetHealthOfNetwork } from "@/lib/nodes/fleet-health";
import { Topology } from "../../../_components/topology";
import { NetworkHealthCard } from "../../../_components/fleet-health";
import { nebulaVersionSummary } from "@/lib/nodes/nebula-version-summary";
import { NebulaVersionsCard } from "../../../_components/nebula-versions";

export default async function NetworkOverviewPage({ params }: { params: Promise<{ networkId: string }> }) {
  const { networkId } = await params;
  const actor = await requirePageActor();
  const { network, role } = await loadNetworkForPage(actor, networkId);
  const [topology, details, health, versions] = await Promise.all([
    topologyOf(network.id),
    db.network.findUniqueOrThrow({ where: { id: network.id }, select: { certVersion: true, cidr6: true, nebulaTarget: true, configRevision: true, _count: { select: { groups: true, rules: true } } } }),
    fleetHealthOfNetwork(network.id),
    nebulaVersionSummary(network.id),
  ]);
  const facts: Array<[string, React.ReactNode]> = [
    ...(network.cidr ? [["Address range", <code key="c" className="font-mono">{network.cidr}</code>] satisfies [string, React.ReactNode]] : []),
    ...(details.cidr6 ? [["IPv6 range", <code key="c6" className="font-mono">{details.cidr6}</code>] satisfies [string, React.ReactNode]] : []),
    ["Description", network.description || <span className="text-slate-600 dark:text-slate-400">None</span>],
    ["Nodes", `${topology.counts.nodes.toLocaleString("en")} (${topology.counts.active.toLocaleString("en")} active, ${topology.counts.lighthouses} lighthouses)`],
    ["Groups · rules", `${details._count.groups} · ${details._count.rules}`],
    ["Certificates", `v${details.certVersion}, for Nebula ${details.nebulaTarget.replace("v", "").replace("_", ".")} and later`],
    ["Config revision", details.configRevision],
    ["Created", network.createdAt.toLocaleString()],
    ["Your access", role],
  ];
  return (
    <div className="grid gap-6 lg:grid-cols-[1fr_2fr]">
      <NetworkHealthCard networkId={network.id} health={health} />
      <NebulaVersionsCard summary={versions} />
      <section className="rounded-lg border border-slate-200 bg-white p-6 dark:border-slate-800 dark:bg-slate-900">
        <h2 className="mb-4 text-lg font-medium">Overview</h2>
        <dl className="grid grid-cols-[auto_1fr] gap-x-6 gap-y-2 text-sm">
          {facts.map(([k, v]) => (
            <div key={k} className="contents">
              <dt className="text-slate-500 dark:text-slate-400">{k}</dt>
              <dd>{v}</dd>
            </div>
          ))}
        </dl>
      </section>
      <section className="rounded-lg border border-slate-200 bg-white p-6 dark:border-slate-800 dark:bg-slate-900">
        <h2 className="mb-2 text-lg font-medium">Topology</h2>
        <Topology data={topology} networkId={network.id} />
      </section>
    </div>
  );
}
