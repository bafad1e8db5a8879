import { requirePageActor } from "@/lib/auth/page-session";
import { auditScopeFor, listAuditEvents } from "@/lib/audit/audit-query";
import { parseAuditSearch } from "@/lib/audit/parse-audit-search";
import { AuditLog } from "../../_components/audit-log";

export const metadata = { title: "Audit log" };

export default async function AuditPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const actor = await requirePageActor();
  const query = parseAuditSearch(await searchParams);
  const result = await listAuditEvents(await auditScopeFor(actor), query);
  return (
    <div className="space-y-4">
      <div>
        <h1 className="text-2xl font-semibold">Audit log</h1>
        <p className="text-sm text-slate-500 dark:text-slate-400">Every change, who made it, and what it was before and after.</p>
      </div>
      <AuditLog result={result} query={query} basePath="/audit" exportPath="/api/v1/audit/export" />
    </div>
  );
}
