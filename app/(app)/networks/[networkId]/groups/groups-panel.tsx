"use client";
import { useState } from "react";
import { apiCall } from "../../../../_components/api-client";
import { DataTable } from "../../../../_components/data-table";
import { buttonClass, Field, FormError, inputClass, secondaryButtonClass, Spinner } from "../../../../_components/form-controls";
import { useApiAction } from "../../../../_components/use-api-action";

interface Group {
  id: string;
  name: string;
  description: string;
  nodeCount: number;
  ruleCount: number;
}

export function GroupsPanel({ networkId, groups, canEdit }: { networkId: string; groups: Group[]; canEdit: boolean }) {
  const create = useApiAction();
  const row = useApiAction();
  const [renaming, setRenaming] = useState<string | null>(null);
  const base = `/api/v1/networks/${networkId}/groups`;

  return (
    <div className="space-y-6">
      <p className="text-sm text-slate-500 dark:text-slate-400">
        Groups are written into each member&apos;s certificate; firewall rules select peers by them. Renaming a group re-signs its members&apos; certificates.
      </p>
      {canEdit && (
        <form
          noValidate
          className="flex flex-wrap items-start gap-3 rounded-lg border border-slate-200 bg-white p-4 dark:border-slate-800 dark:bg-slate-900"
          onSubmit={async (e) => {
            e.preventDefault();
            const form = e.currentTarget;
            const data = new FormData(form);
            if (await create.run(() => apiCall("POST", base, { name: String(data.get("name")), description: String(data.get("description")) }), { success: "Group created" })) form.reset();
          }}
        >
          <div className="w-56">
            <Field label="New group" name="name" placeholder="web" errors={create.fields.name} />
          </div>
          <div className="min-w-64 flex-1">
            <Field label="Description" name="description" errors={create.fields.description} />
          </div>
          <button type="submit" className={`${buttonClass} mt-6`} disabled={create.busy}>
            {create.busy && <Spinner />} Create
          </button>
          <div className="w-full">
            <FormError message={create.error} />
          </div>
        </form>
      )}
      <FormError message={row.error ?? (row.fields.name ? row.fields.name.join(" ") : null)} />
      <DataTable
        label="groups"
        rows={groups}
        rowKey={(g) => g.id}
        searchText={(g) => `${g.name} ${g.description}`}
        empty="No groups yet."
        columns={[
          {
            header: "Name",
            cell: (g) =>
              renaming === g.id ? (
                <form
                  className="flex gap-2"
                  onSubmit={async (e) => {
                    e.preventDefault();
                    const name = String(new FormData(e.currentTarget).get("name"));
                    if (await row.run(() => apiCall("PATCH", `${base}/${g.id}`, { name }), { success: "Renamed; members re-signed" })) setRenaming(null);
                  }}
                >
                  <input name="name" defaultValue={g.name} aria-label={`New name for ${g.name}`} className={`${inputClass} w-40`} autoFocus />
                  <button className={secondaryButtonClass}>Save</button>
                </form>
              ) : (
                <code className="font-mono">{g.name}</code>
              ),
          },
          { header: "Description", cell: (g) => g.description },
          { header: "Nodes", cell: (g) => g.nodeCount, className: "text-right" },
          { header: "Rules", cell: (g) => g.ruleCount, className: "text-right" },
          {
            header: "",
            className: "text-right",
            cell: (g) =>
              canEdit && (
                <span className="flex justify-end gap-2">
                  <button className={secondaryButtonClass} onClick={() => setRenaming(g.id)}>
                    Rename
                  </button>
                  <button className={secondaryButtonClass} disabled={row.busy} onClick={() => row.run(() => apiCall("DELETE", `${base}/${g.id}`), { success: `Group ${g.name} deleted` })}>
                    Delete
                  </button>
                </span>
              ),
          },
        ]}
      />
    </div>
  );
}
