import Link from "next/link";
import { requirePageActor } from "@/lib/auth/page-session";
import { listNetworksFor } from "@/lib/networks/network-service";
import { fleetHealthOf } from "@/lib/nodes/fleet-health";
import { NetworkTable } from "./network-table";
import { FleetHealthSummary } from "../_components/fleet-health";

export const metadata = { title: "Networks" };

export default async function DashboardPage() {
  const actor = await requirePageActor();
  const networks = await listNetworksFor(actor);
  // One aggregate query per table for every network listed, however many nodes they hold.
  const health = await fleetHealthOf(networks.map((n) => n.id));
  return (
    <div className="space-y-6">
      <div className="flex flex-wrap items-end justify-between gap-4">
        <div>
          <h1 className="text-2xl font-semibold">Networks</h1>
          <p className="text-sm text-slate-500 dark:text-slate-400">
            {actor.systemRole === "admin" ? "Every network; those you are not a member of are read-only." : "The networks you are a member of."}
          </p>
        </div>
        <Link
          href="/networks/new"
          className="inline-flex items-center rounded-md bg-indigo-600 px-4 py-2 text-sm font-medium text-white shadow-sm hover:bg-indigo-500 focus:outline-none focus-visible:ring-2 focus-visible:ring-indigo-500"
        >
          New network
        </Link>
      </div>
      {networks.length > 0 && <FleetHealthSummary networks={networks} health={health} />}
      <NetworkTable networks={networks} />
    </div>
  );
}
