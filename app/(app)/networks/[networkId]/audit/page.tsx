import { loadNetworkForPage, requirePageActor } from "@/lib/auth/page-session";
import { listAuditEvents } from "@/lib/audit/audit-query";
import { parseAuditSearch } from "@/lib/audit/parse-audit-search";
import { AuditLog } from "../../../../_components/audit-log";

export const metadata = { title: "Network audit" };

type Search = Record<string, string | string[] | undefined>;

export default async function NetworkAuditPage({ params, searchParams }: { params: Promise<{ networkId: string }>; searchParams: Promise<Search> }) {
  const { networkId } = await params;
  const actor = await requirePageActor();
  const { network } = await loadNetworkForPage(actor, networkId);
  const query = parseAuditSearch(await searchParams);
  const result = await listAuditEvents({ networkIds: [network.id] }, query);
  return <AuditLog result={result} query={query} basePath={`/networks/${network.id}/audit`} exportPath={`/api/v1/networks/${network.id}/audit/export`} />;
}
