"use client";
import { apiCall } from "../../_components/api-client";
import { buttonClass, Field, FormError, Spinner } from "../../_components/form-controls";
import { useApiAction } from "../../_components/use-api-action";

export function PasswordForm({ username }: { username: string }) {
  const { fields, error, busy, run, setFields } = useApiAction();
  async function submit(e: React.FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const form = e.currentTarget;
    const data = new FormData(form);
    const newPassword = String(data.get("newPassword"));
    if (newPassword !== String(data.get("confirm"))) {
      setFields({ confirm: ["The passwords do not match"] });
      return;
    }
    const result = await run(() => apiCall<{ sessionsEnded: number }>("POST", "/api/v1/account/password", { currentPassword: String(data.get("currentPassword")), newPassword }), {
      success: "Password changed; your other sessions are signed out",
    });
    if (result) form.reset();
  }
  return (
    <form onSubmit={submit} noValidate aria-label="Change your password" className="space-y-4 rounded-lg border border-slate-200 bg-white p-4 dark:border-slate-800 dark:bg-slate-900">
      <FormError message={error} />
      <input type="text" name="username" autoComplete="username" value={username} readOnly hidden />
      <Field label="Current password" name="currentPassword" type="password" autoComplete="current-password" required errors={fields.currentPassword} />
      <Field label="New password" name="newPassword" type="password" autoComplete="new-password" required errors={fields.newPassword} hint="At least 12 characters. Your other browsers are signed out." />
      <Field label="Confirm new password" name="confirm" type="password" autoComplete="new-password" required errors={fields.confirm} />
      <button type="submit" className={buttonClass} disabled={busy}>
        {busy && <Spinner />} Change password
      </button>
    </form>
  );
}
