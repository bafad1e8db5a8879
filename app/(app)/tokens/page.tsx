import { requirePageActor } from "@/lib/auth/page-session";
import { listApiTokens } from "@/lib/auth/api-tokens";
import { listNetworksFor } from "@/lib/networks/network-service";
import { TokensPanel } from "./tokens-panel";

export const metadata = { title: "API tokens" };

export default async function TokensPage() {
  const actor = await requirePageActor();
  const [tokens, networks] = await Promise.all([listApiTokens(actor), listNetworksFor(actor)]);
  return (
    <div className="space-y-6">
      <div>
        <h1 className="text-2xl font-semibold">API tokens</h1>
        <p className="text-sm text-slate-500 dark:text-slate-400">
          For scripts and CI: <code className="font-mono">Authorization: Bearer ncp_…</code> on <code className="font-mono">/api/v1</code>. A token acts as you, never with
          more than your current role in a network, and only within its scopes.
        </p>
      </div>
      <TokensPanel tokens={tokens} networks={networks.map((n) => ({ id: n.id, name: n.name }))} />
    </div>
  );
}
