"use client";
import { signIn } from "next-auth/react";
import { useState } from "react";
import { apiCall, ApiCallError, type FieldErrors } from "../../_components/api-client";
import { buttonClass, Field, FormError, Spinner } from "../../_components/form-controls";

export function ResetForm({ token, username }: { token: string; username: string }) {
  const [fields, setFields] = useState<FieldErrors>({});
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(e: React.FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const data = new FormData(e.currentTarget);
    const password = String(data.get("password"));
    setFields({});
    setError(null);
    if (password !== String(data.get("confirm"))) {
      setFields({ confirm: ["The passwords do not match"] });
      return;
    }
    setBusy(true);
    try {
      await apiCall("POST", "/api/v1/password-resets", { token, password });
      const result = await signIn("local", { username, password, redirect: false });
      window.location.assign(result?.ok ? "/" : "/signin");
    } catch (err) {
      if (err instanceof ApiCallError && Object.keys(err.fields).length) setFields(err.fields);
      else setError(err instanceof Error ? err.message : "That did not work");
      setBusy(false);
    }
  }

  return (
    <form onSubmit={submit} noValidate className="space-y-4" aria-label="Set a new password">
      <FormError message={error} />
      {/* Lets password managers file the new password under the right account. */}
      <input type="text" name="username" autoComplete="username" value={username} readOnly hidden />
      <Field label="New password" name="password" type="password" autoComplete="new-password" required errors={fields.password} hint="At least 12 characters." autoFocus />
      <Field label="Confirm password" name="confirm" type="password" autoComplete="new-password" required errors={fields.confirm} />
      <button type="submit" className={`${buttonClass} w-full`} disabled={busy}>
        {busy && <Spinner />} Set password
      </button>
    </form>
  );
}
