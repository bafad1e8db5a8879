import { loadNetworkForPage, requirePageActor } from "@/lib/auth/page-session";
import { hasRole } from "@/lib/auth/roles";
import { NetworkSettings } from "./network-settings";

export default async function NetworkOverviewPage({ params }: { params: Promise<{ networkId: string }> }) {
  const { networkId } = await params;
  const actor = await requirePageActor();
  const { network, role } = await loadNetworkForPage(actor, networkId);
  const facts: Array<[string, React.ReactNode]> = [
    ["Address range", <code key="c" className="font-mono">{network.cidr}</code>],
    ["Description", network.description || <span className="text-slate-400">None</span>],
    ["Created", network.createdAt.toLocaleString()],
    ["Your access", role],
  ];
  return (
    <div className="grid gap-6 lg:grid-cols-2">
      <section className="rounded-lg border border-slate-200 bg-white p-6 dark:border-slate-800 dark:bg-slate-900">
        <h2 className="mb-4 text-lg font-medium">Overview</h2>
        <dl className="grid grid-cols-[auto,1fr] gap-x-6 gap-y-2 text-sm">
          {facts.map(([k, v]) => (
            <div key={k} className="contents">
              <dt className="text-slate-500 dark:text-slate-400">{k}</dt>
              <dd>{v}</dd>
            </div>
          ))}
        </dl>
      </section>
      {hasRole(role, "admin") && (
        <NetworkSettings network={{ id: network.id, name: network.name, description: network.description }} canDelete={hasRole(role, "owner")} />
      )}
    </div>
  );
}
