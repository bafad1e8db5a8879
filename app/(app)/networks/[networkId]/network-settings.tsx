"use client";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { apiCall, ApiCallError, type FieldErrors } from "../../../_components/api-client";
import { buttonClass, dangerButtonClass, Field, FormError, Spinner } from "../../../_components/form-controls";
import { useToast } from "../../../_components/toast";

interface Props {
  network: { id: string; name: string; description: string };
  canDelete: boolean;
}

export function NetworkSettings({ network, canDelete }: Props) {
  const router = useRouter();
  const toast = useToast();
  const [fields, setFields] = useState<FieldErrors>({});
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [confirmName, setConfirmName] = useState("");

  async function save(e: React.FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const data = new FormData(e.currentTarget);
    setBusy(true);
    setFields({});
    setError(null);
    try {
      await apiCall("PATCH", `/api/v1/networks/${network.id}`, { name: String(data.get("name")), description: String(data.get("description")) });
      toast("success", "Saved");
      router.refresh();
    } catch (err) {
      if (err instanceof ApiCallError && Object.keys(err.fields).length) setFields(err.fields);
      else setError(err instanceof Error ? err.message : "Could not save");
    } finally {
      setBusy(false);
    }
  }

  async function remove() {
    setBusy(true);
    try {
      await apiCall("DELETE", `/api/v1/networks/${network.id}`);
      toast("success", `Network “${network.name}” deleted`);
      router.push("/");
      router.refresh();
    } catch (err) {
      toast("error", err instanceof Error ? err.message : "Could not delete");
      setBusy(false);
    }
  }

  return (
    <section className="space-y-6 rounded-lg border border-slate-200 bg-white p-6 dark:border-slate-800 dark:bg-slate-900">
      <form onSubmit={save} noValidate className="space-y-4">
        <h2 className="text-lg font-medium">Settings</h2>
        <FormError message={error} />
        <Field label="Name" name="name" defaultValue={network.name} maxLength={64} errors={fields.name} />
        <Field label="Description" name="description" defaultValue={network.description} maxLength={500} errors={fields.description} />
        <button type="submit" className={buttonClass} disabled={busy}>
          {busy && <Spinner />} Save
        </button>
      </form>
      {canDelete && (
        <div className="space-y-3 border-t border-slate-200 pt-4 dark:border-slate-800">
          <h3 className="font-medium text-red-700 dark:text-red-400">Delete network</h3>
          <p className="text-sm text-slate-600 dark:text-slate-400">This removes the network and its memberships. The audit trail is kept.</p>
          <Field label={`Type “${network.name}” to confirm`} name="confirm" value={confirmName} onChange={(e) => setConfirmName(e.target.value)} />
          <button type="button" className={dangerButtonClass} disabled={busy || confirmName !== network.name} onClick={remove}>
            Delete network
          </button>
        </div>
      )}
    </section>
  );
}
