import { pairIsIdle, type GroupMatrix } from "@/lib/firewall/matrix";

function activeLabel(count: number): string {
  return count === 1 ? "1 active" : `${count} active`;
}

/** Whichever side of an idle pair has nobody, for the cell's note. */
function idleNote(matrix: GroupMatrix, src: string, dst: string): string {
  const empty = [...new Set([src, dst])].filter((g) => (matrix.activeHosts[g] ?? 0) === 0);
  return `no active hosts in ${empty.join(" or ")}`;
}

/**
 * Group × group: what a host in the row's group may open on a host in the column's group. A pair
 * with no active host on one side still shows what the rules say, greyed out, since that is what
 * will apply once a host there is approved.
 */
export function FirewallMatrix({ matrix }: { matrix: GroupMatrix }) {
  return (
    <section className="space-y-3 rounded-lg border border-slate-200 bg-white p-5 dark:border-slate-800 dark:bg-slate-900">
      <h2 className="text-lg font-medium">Group matrix</h2>
      <p className="text-xs text-slate-500 dark:text-slate-400">Rows are senders, columns receivers, for hosts holding just that group. CIDR and single-host rules are not shown here. Only active nodes with a valid certificate count: blocked and pending ones reach no one.</p>
      {matrix.groups.length === 0 ? (
        <p className="text-sm text-slate-500 dark:text-slate-400">Create groups to see the matrix.</p>
      ) : (
        <div className="overflow-x-auto">
          <table className="text-xs" aria-label="Group matrix">
            <thead>
              <tr>
                <th className="p-2 text-left text-slate-500 dark:text-slate-400">from ↓ / to →</th>
                {matrix.groups.map((g) => (
                  <th key={g} scope="col" className="p-2 font-mono">
                    {g}
                    <span className="block font-sans text-[10px] font-normal text-slate-500 dark:text-slate-400">{activeLabel(matrix.activeHosts[g] ?? 0)}</span>
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {matrix.groups.map((src) => (
                <tr key={src}>
                  <th scope="row" className="p-2 text-left font-mono">
                    {src}
                    <span className="block font-sans text-[10px] font-normal text-slate-500 dark:text-slate-400">{activeLabel(matrix.activeHosts[src] ?? 0)}</span>
                  </th>
                  {matrix.groups.map((dst) => {
                    const cell = matrix.cells[src]?.[dst] ?? [];
                    const idle = pairIsIdle(matrix, src, dst);
                    const tone = idle || cell.length === 0 ? "bg-slate-100 text-slate-600 dark:bg-slate-800 dark:text-slate-400" : cell.includes("any") ? "bg-emerald-200 dark:bg-emerald-900" : "bg-emerald-50 dark:bg-emerald-950";
                    const note = idle ? idleNote(matrix, src, dst) : null;
                    return (
                      <td key={dst} className={`min-w-24 border border-white p-2 align-top dark:border-slate-900 ${tone}`} title={note ? `${src} → ${dst}: ${note}, so no traffic flows yet` : `${src} → ${dst}`} data-idle={idle || undefined}>
                        {cell.length ? cell.join(", ") : "—"}
                        {note && <span className="block text-[10px] italic">{note}</span>}
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
