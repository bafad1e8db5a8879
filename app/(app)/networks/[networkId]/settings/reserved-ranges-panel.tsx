"use client";
import { apiCall } from "../../../../_components/api-client";
import { buttonClass, Field, FormError, secondaryButtonClass, Spinner } from "../../../../_components/form-controls";
import { useApiAction } from "../../../../_components/use-api-action";

interface Range {
  id: string;
  start: string;
  end: string;
  description: string;
}

/** Ranges the allocator skips, e.g. addresses used outside Nebula. */
export function ReservedRangesPanel({ networkId, ranges, canEdit }: { networkId: string; ranges: Range[]; canEdit: boolean }) {
  const { fields, error, busy, run } = useApiAction();
  const base = `/api/v1/networks/${networkId}/reserved-ranges`;
  return (
    <section className="space-y-4 rounded-lg border border-slate-200 bg-white p-6 dark:border-slate-800 dark:bg-slate-900">
      <h2 className="text-lg font-medium">Reserved addresses</h2>
      <p className="text-sm text-slate-500 dark:text-slate-400">Automatic allocation never hands these out.</p>
      <ul className="divide-y divide-slate-100 text-sm dark:divide-slate-800">
        {ranges.length === 0 && <li className="py-2 text-slate-500 dark:text-slate-400">None.</li>}
        {ranges.map((r) => (
          <li key={r.id} className="flex items-center justify-between py-2">
            <span>
              <code className="font-mono">
                {r.start} – {r.end}
              </code>{" "}
              <span className="text-slate-500 dark:text-slate-400">{r.description}</span>
            </span>
            {canEdit && (
              <button className={secondaryButtonClass} disabled={busy} onClick={() => run(() => apiCall("DELETE", `${base}/${r.id}`), { success: "Range released", toastErrors: true })}>
                Remove
              </button>
            )}
          </li>
        ))}
      </ul>
      {canEdit && (
        <form
          noValidate
          className="grid gap-3 sm:grid-cols-3"
          onSubmit={async (e) => {
            e.preventDefault();
            const form = e.currentTarget;
            const d = new FormData(form);
            if (await run(() => apiCall("POST", base, { start: String(d.get("start")), end: String(d.get("end")), description: String(d.get("description")) }), { success: "Range reserved" })) form.reset();
          }}
        >
          <Field label="First address" name="start" errors={fields.start} />
          <Field label="Last address" name="end" errors={fields.end} />
          <Field label="Why" name="description" errors={fields.description} />
          <div className="sm:col-span-3 flex items-center justify-between">
            <FormError message={error} />
            <button className={buttonClass} disabled={busy}>
              {busy && <Spinner />} Reserve
            </button>
          </div>
        </form>
      )}
    </section>
  );
}
