"use client";
import { useRouter } from "next/navigation";
import { useState } from "react";
import type { GroupGrantView } from "@/lib/networks/group-grant-service";
import { memberRoles, type MemberRole } from "@/lib/auth/roles";
import { apiCall, ApiCallError, type FieldErrors } from "../../../../_components/api-client";
import { DataTable } from "../../../../_components/data-table";
import { buttonClass, Field, inputClass, secondaryButtonClass, Spinner } from "../../../../_components/form-controls";
import { RoleBadge } from "../../../../_components/role-badge";
import { useToast } from "../../../../_components/toast";

interface Props {
  networkId: string;
  grants: GroupGrantView[];
  canManage: boolean;
}

export function GroupGrantsPanel({ networkId, grants, canManage }: Props) {
  const router = useRouter();
  const toast = useToast();
  const [fields, setFields] = useState<FieldErrors>({});
  const [busy, setBusy] = useState(false);
  const base = `/api/v1/networks/${networkId}/group-grants`;

  async function act(label: string, call: () => Promise<unknown>) {
    setBusy(true);
    try {
      await call();
      toast("success", label);
      router.refresh();
    } catch (err) {
      toast("error", err instanceof Error ? err.message : "That did not work");
    } finally {
      setBusy(false);
    }
  }

  async function add(e: React.FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const form = e.currentTarget;
    const data = new FormData(form);
    setFields({});
    setBusy(true);
    try {
      await apiCall("POST", base, { groupName: String(data.get("groupName")), role: String(data.get("role")) });
      toast("success", "Role granted to the group");
      form.reset();
      router.refresh();
    } catch (err) {
      if (err instanceof ApiCallError && Object.keys(err.fields).length) setFields(err.fields);
      else toast("error", err instanceof Error ? err.message : "Could not grant the role");
    } finally {
      setBusy(false);
    }
  }

  return (
    <section aria-labelledby="group-grants" className="space-y-3">
      <div>
        <h2 id="group-grants" className="text-lg font-medium">
          Group grants
        </h2>
        <p className="text-sm text-slate-600 dark:text-slate-400">
          Everyone in a Keycloak group gets the role here, as of their last sign-in or session re-check. Someone who is also a direct member gets the higher of the two roles. A
          group-granted owner does not count as the network&apos;s owner: it always keeps a direct one.
        </p>
      </div>
      {canManage && (
        <form onSubmit={add} noValidate className="flex flex-wrap items-start gap-3 rounded-lg border border-slate-200 bg-white p-4 dark:border-slate-800 dark:bg-slate-900">
          <div className="min-w-64 flex-1">
            <Field label="Keycloak group (full path)" name="groupName" required errors={fields.groupName} placeholder="/engineering/ops" />
          </div>
          <div className="space-y-1">
            <label htmlFor="new-grant-role" className="block text-sm font-medium text-slate-700 dark:text-slate-300">
              Role
            </label>
            <select id="new-grant-role" name="role" defaultValue="viewer" className={inputClass}>
              {memberRoles.map((r) => (
                <option key={r} value={r}>
                  {r}
                </option>
              ))}
            </select>
          </div>
          <button type="submit" className={`${buttonClass} mt-6`} disabled={busy}>
            {busy && <Spinner />} Grant
          </button>
        </form>
      )}
      <DataTable
        label="group grants"
        rows={grants}
        rowKey={(g) => g.id}
        searchText={(g) => `${g.groupName} ${g.role} ${g.grantedBy.name} ${g.members.map((m) => `${m.displayName} ${m.email ?? ""}`).join(" ")}`}
        empty="No group grants. Grant a role to a Keycloak group to give everyone in it access."
        columns={[
          { header: "Group", cell: (g) => <span className="font-mono text-sm">{g.groupName}</span> },
          {
            header: "Role",
            cell: (g) =>
              canManage ? (
                <select
                  aria-label={`Role of group ${g.groupName}`}
                  value={g.role}
                  disabled={busy}
                  className={`${inputClass} w-32`}
                  onChange={(e) => act("Group role changed", () => apiCall("PATCH", `${base}/${g.id}`, { role: e.target.value as MemberRole }))}
                >
                  {memberRoles.map((r) => (
                    <option key={r} value={r}>
                      {r}
                    </option>
                  ))}
                </select>
              ) : (
                <RoleBadge role={g.role} />
              ),
          },
          { header: "Granted by", cell: (g) => g.grantedBy.name },
          {
            header: "Has access through it",
            cell: (g) =>
              g.members.length ? (
                <ul className="text-sm">
                  {g.members.map((m) => (
                    <li key={m.userId}>
                      {m.displayName}
                      {m.email && <span className="text-slate-500 dark:text-slate-400"> · {m.email}</span>}
                    </li>
                  ))}
                </ul>
              ) : (
                <span className="text-sm text-slate-500 dark:text-slate-400">No one yet (members show up once they sign in)</span>
              ),
          },
          {
            header: "",
            className: "text-right",
            cell: (g) =>
              canManage && (
                <button className={secondaryButtonClass} disabled={busy} aria-label={`Remove grant to ${g.groupName}`} onClick={() => act("Group grant removed", () => apiCall("DELETE", `${base}/${g.id}`))}>
                  Remove
                </button>
              ),
          },
        ]}
      />
    </section>
  );
}
