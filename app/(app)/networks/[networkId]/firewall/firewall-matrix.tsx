import type { GroupMatrix } from "@/lib/firewall/matrix";

/** Group × group: what a host in the row's group may open on a host in the column's group. */
export function FirewallMatrix({ matrix }: { matrix: GroupMatrix }) {
  return (
    <section className="space-y-3 rounded-lg border border-slate-200 bg-white p-5 dark:border-slate-800 dark:bg-slate-900">
      <h2 className="text-lg font-medium">Group matrix</h2>
      <p className="text-xs text-slate-500">Rows are senders, columns receivers, for hosts holding just that group. CIDR and single-host rules are not shown here.</p>
      {matrix.groups.length === 0 ? (
        <p className="text-sm text-slate-500">Create groups to see the matrix.</p>
      ) : (
        <div className="overflow-x-auto">
          <table className="text-xs" aria-label="Group matrix">
            <thead>
              <tr>
                <th className="p-2 text-left text-slate-500">from ↓ / to →</th>
                {matrix.groups.map((g) => (
                  <th key={g} scope="col" className="p-2 font-mono">
                    {g}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {matrix.groups.map((src) => (
                <tr key={src}>
                  <th scope="row" className="p-2 text-left font-mono">
                    {src}
                  </th>
                  {matrix.groups.map((dst) => {
                    const cell = matrix.cells[src]?.[dst] ?? [];
                    const tone = cell.length === 0 ? "bg-slate-100 text-slate-400 dark:bg-slate-800" : cell.includes("any") ? "bg-emerald-200 dark:bg-emerald-900" : "bg-emerald-50 dark:bg-emerald-950";
                    return (
                      <td key={dst} className={`min-w-24 border border-white p-2 align-top dark:border-slate-900 ${tone}`} title={`${src} → ${dst}`}>
                        {cell.length ? cell.join(", ") : "—"}
                      </td>
                    );
                  })}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
