"use client";
import { apiCall } from "../../../../_components/api-client";
import { buttonClass, Field, FormError, Spinner } from "../../../../_components/form-controls";
import { useApiAction } from "../../../../_components/use-api-action";

/** How often hosts ask for changes: the delay before a rule change, a block or a renewal reaches them. */
export function PollIntervalPanel({ networkId, pollSeconds, canEdit }: { networkId: string; pollSeconds: number; canEdit: boolean }) {
  const { fields, error, busy, run } = useApiAction();
  return (
    <section className="space-y-4 rounded-lg border border-slate-200 bg-white p-6 dark:border-slate-800 dark:bg-slate-900">
      <h2 className="text-lg font-medium">Host poll interval</h2>
      <p className="text-sm text-slate-500 dark:text-slate-400">
        Every host asks for changes this often (±10 %), so a change reaches all of them within one interval. A host that misses one and a half intervals shows as
        offline. Now: every {pollSeconds} s.
      </p>
      {canEdit && (
        <form
          noValidate
          className="flex flex-wrap items-end gap-3"
          onSubmit={async (e) => {
            e.preventDefault();
            const value = String(new FormData(e.currentTarget).get("pollSeconds") ?? "").trim();
            await run(() => apiCall("PATCH", `/api/v1/networks/${networkId}`, { pollSeconds: value === "" ? Number.NaN : Number(value) }), { success: "Poll interval saved" });
          }}
        >
          <Field label="Seconds (5 to 3600)" name="pollSeconds" type="number" defaultValue={String(pollSeconds)} errors={fields.pollSeconds} />
          <button className={buttonClass} disabled={busy}>
            {busy && <Spinner />} Save
          </button>
          <FormError message={error} />
        </form>
      )}
    </section>
  );
}
