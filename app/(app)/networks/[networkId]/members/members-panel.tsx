"use client";
import { useRouter } from "next/navigation";
import { useState } from "react";
import type { MemberView } from "@/lib/networks/member-service";
import { memberRoles, type MemberRole } from "@/lib/auth/roles";
import { apiCall, ApiCallError, type FieldErrors } from "../../../../_components/api-client";
import { DataTable } from "../../../../_components/data-table";
import { buttonClass, inputClass, secondaryButtonClass, Spinner } from "../../../../_components/form-controls";
import { UserCombobox } from "../../../../_components/user-combobox";
import { RoleBadge } from "../../../../_components/role-badge";
import { useToast } from "../../../../_components/toast";

interface Props {
  networkId: string;
  members: MemberView[];
  canManage: boolean;
  currentUserId: string;
}

export function MembersPanel({ networkId, members, canManage, currentUserId }: Props) {
  const router = useRouter();
  const toast = useToast();
  const [fields, setFields] = useState<FieldErrors>({});
  const [busy, setBusy] = useState(false);
  const base = `/api/v1/networks/${networkId}/members`;

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

  const [added, setAdded] = useState(0);

  async function add(e: React.FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const data = new FormData(e.currentTarget);
    const userId = String(data.get("userId") ?? "");
    setFields({});
    if (!userId) {
      setFields({ userId: ["Choose a user from the list"] });
      return;
    }
    setBusy(true);
    try {
      await apiCall("POST", base, { userId, role: String(data.get("role")) });
      toast("success", "Member added");
      setAdded((n) => n + 1);
      router.refresh();
    } catch (err) {
      if (err instanceof ApiCallError && Object.keys(err.fields).length) setFields(err.fields);
      else toast("error", err instanceof Error ? err.message : "Could not add the member");
    } finally {
      setBusy(false);
    }
  }

  return (
    <div className="space-y-6">
      {canManage && (
        <form onSubmit={add} noValidate aria-label="Add a member" className="flex flex-wrap items-start gap-3 rounded-lg border border-slate-200 bg-white p-4 dark:border-slate-800 dark:bg-slate-900">
          <div className="min-w-64 flex-1">
            <UserCombobox label="Add a member" name="userId" errors={fields.userId ?? fields.email} resetKey={added} />
          </div>
          <div className="space-y-1">
            <label htmlFor="new-member-role" className="block text-sm font-medium text-slate-700 dark:text-slate-300">
              Role
            </label>
            <select id="new-member-role" name="role" defaultValue="viewer" className={inputClass}>
              {memberRoles.map((r) => (
                <option key={r} value={r}>
                  {r}
                </option>
              ))}
            </select>
          </div>
          <button type="submit" className={`${buttonClass} mt-6`} disabled={busy}>
            {busy && <Spinner />} Add
          </button>
        </form>
      )}
      <DataTable
        label="members"
        rows={members}
        rowKey={(m) => m.id}
        searchText={(m) => `${m.displayName} ${m.email ?? ""} ${m.role}`}
        empty="No members."
        columns={[
          { header: "Name", cell: (m) => <span className="font-medium">{m.displayName}{m.userId === currentUserId && " (you)"}</span> },
          { header: "Email", cell: (m) => m.email ?? "—" },
          {
            header: "Role",
            cell: (m) =>
              canManage ? (
                <select
                  aria-label={`Role of ${m.displayName}`}
                  value={m.role}
                  disabled={busy}
                  className={`${inputClass} w-32`}
                  onChange={(e) => act("Role changed", () => apiCall("PATCH", `${base}/${m.id}`, { role: e.target.value as MemberRole }))}
                >
                  {memberRoles.map((r) => (
                    <option key={r} value={r}>
                      {r}
                    </option>
                  ))}
                </select>
              ) : (
                <RoleBadge role={m.role} />
              ),
          },
          {
            header: "",
            className: "text-right",
            cell: (m) =>
              canManage && (
                <button className={secondaryButtonClass} disabled={busy} onClick={() => act("Member removed", () => apiCall("DELETE", `${base}/${m.id}`))}>
                  Remove
                </button>
              ),
          },
        ]}
      />
    </div>
  );
}
