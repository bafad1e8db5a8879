/** The audit trail as a filterable, paginated table. Server-rendered; filters are a plain GET form. */
import Link from "next/link";
import type { AuditPage, AuditQuery } from "@/lib/audit/audit-query";

const input =
  "rounded-md border border-slate-300 bg-white px-3 py-2 text-sm dark:border-slate-700 dark:bg-slate-900 focus:outline-none focus:ring-2 focus:ring-indigo-500/40";

function pageHref(basePath: string, query: AuditQuery, page: number): string {
  const params = new URLSearchParams();
  if (query.q) params.set("q", query.q);
  if (query.action) params.set("action", query.action);
  if (query.actor) params.set("actor", query.actor);
  params.set("page", String(page));
  return `${basePath}?${params}`;
}

/** The export of what the list shows now: the same filters, every page. */
function exportHref(exportPath: string, query: AuditQuery, format: "csv" | "jsonl"): string {
  const params = new URLSearchParams({ format });
  if (query.q) params.set("q", query.q);
  if (query.action) params.set("action", query.action);
  if (query.actor) params.set("actor", query.actor);
  return `${exportPath}?${params}`;
}

const exportLink =
  "rounded-md border border-slate-300 px-3 py-2 text-sm font-medium text-slate-700 hover:bg-slate-50 focus:outline-none focus-visible:ring-2 focus-visible:ring-indigo-500 dark:border-slate-700 dark:text-slate-200 dark:hover:bg-slate-800";

export function AuditLog({ result, query, basePath, exportPath }: { result: AuditPage; query: AuditQuery; basePath: string; exportPath: string }) {
  const pages = Math.max(1, Math.ceil(result.total / result.pageSize));
  return (
    <div className="space-y-4">
      <form method="get" action={basePath} className="flex flex-wrap items-end gap-3" role="search">
        <input name="q" defaultValue={query.q} placeholder="Search target, action, actor" aria-label="Search" className={`${input} w-64`} />
        <input name="action" defaultValue={query.action} placeholder="Action, e.g. network." aria-label="Action" className={`${input} w-48`} />
        <input name="actor" defaultValue={query.actor} placeholder="Actor" aria-label="Actor" className={`${input} w-40`} />
        <button className="rounded-md bg-indigo-600 px-4 py-2 text-sm font-medium text-white hover:bg-indigo-500">Filter</button>
        <Link href={basePath} className="px-2 py-2 text-sm text-slate-600 underline dark:text-slate-400">
          Clear
        </Link>
        {/* Plain links: the answer is an attachment, so the browser saves it and stays on the page. */}
        <span className="ml-auto flex gap-2">
          <a href={exportHref(exportPath, query, "csv")} download className={exportLink} data-testid="audit-export-csv">
            Export CSV
          </a>
          <a href={exportHref(exportPath, query, "jsonl")} download className={exportLink}>
            Export JSON lines
          </a>
        </span>
      </form>
      <div className="overflow-x-auto rounded-lg border border-slate-200 dark:border-slate-800">
        <table className="min-w-full divide-y divide-slate-200 text-sm dark:divide-slate-800" aria-label="Audit events">
          <thead className="bg-slate-50 dark:bg-slate-900">
            <tr>
              {["Time", "Actor", "Action", "Target", "Details"].map((h) => (
                <th key={h} scope="col" className="px-4 py-2 text-left font-medium text-slate-600 dark:text-slate-300">
                  {h}
                </th>
              ))}
            </tr>
          </thead>
          <tbody className="divide-y divide-slate-100 bg-white dark:divide-slate-800 dark:bg-slate-950">
            {result.events.map((e) => (
              <tr key={e.id} data-audit-action={e.action}>
                <td className="whitespace-nowrap px-4 py-2 text-slate-500 dark:text-slate-400">{new Date(e.createdAt).toLocaleString()}</td>
                <td className="px-4 py-2">{e.actorName}</td>
                <td className="px-4 py-2">
                  <code className="rounded bg-slate-100 px-1.5 py-0.5 font-mono text-xs dark:bg-slate-800">{e.action}</code>
                </td>
                <td className="px-4 py-2">
                  <span className="text-slate-500 dark:text-slate-400">{e.targetType}</span> {e.targetName}
                </td>
                <td className="px-4 py-2">
                  {(e.before != null || e.after != null) && (
                    <details>
                      <summary className="cursor-pointer text-indigo-600 dark:text-indigo-400">Changes</summary>
                      <pre tabIndex={0} className="mt-2 max-w-md overflow-x-auto rounded bg-slate-100 p-2 font-mono text-xs dark:bg-slate-900">
                        {JSON.stringify({ before: e.before ?? undefined, after: e.after ?? undefined }, null, 2)}
                      </pre>
                      {e.requestId && <p className="mt-1 text-xs text-slate-500 dark:text-slate-400">request {e.requestId}{e.clientIp ? ` from ${e.clientIp}` : ""}</p>}
                    </details>
                  )}
                </td>
              </tr>
            ))}
            {result.events.length === 0 && (
              <tr>
                <td colSpan={5} className="px-4 py-6 text-center text-slate-500 dark:text-slate-400">
                  No events match.
                </td>
              </tr>
            )}
          </tbody>
        </table>
      </div>
      <nav className="flex items-center justify-between text-sm text-slate-600 dark:text-slate-400" aria-label="Pagination">
        <span>
          {result.total} events · page {result.page} of {pages}
        </span>
        <span className="flex gap-2">
          {result.page > 1 && (
            <Link className="rounded-md border border-slate-300 px-3 py-1.5 dark:border-slate-700" href={pageHref(basePath, query, result.page - 1)}>
              Previous
            </Link>
          )}
          {result.page < pages && (
            <Link className="rounded-md border border-slate-300 px-3 py-1.5 dark:border-slate-700" href={pageHref(basePath, query, result.page + 1)}>
              Next
            </Link>
          )}
        </span>
      </nav>
    </div>
  );
}
