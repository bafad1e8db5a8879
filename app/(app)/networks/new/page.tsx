import { requirePageActor } from "@/lib/auth/page-session";
import { memberCidrs } from "@/lib/networks/network-service";
import { suggestCidr } from "@/lib/ipam/cidr";
import { nebulaCert } from "@/lib/pki/nebula-cert";
import { CreateNetworkForm } from "./create-network-form";

export const metadata = { title: "New network" };

export default async function NewNetworkPage() {
  const actor = await requirePageActor();
  const taken = (await memberCidrs(actor.id)).map((n) => n.cidr);
  // v2 certificates are offered only when this server's nebula-cert can make them.
  const supportsV2 = await nebulaCert().supportsV2().catch(() => false);
  return (
    <div className="mx-auto max-w-xl space-y-6">
      <div>
        <h1 className="text-2xl font-semibold">New network</h1>
        <p className="text-sm text-slate-500 dark:text-slate-400">An overlay network: a private address range whose hosts trust one certificate authority.</p>
      </div>
      <CreateNetworkForm suggestedCidr={suggestCidr(taken)} supportsV2={supportsV2} />
    </div>
  );
}
