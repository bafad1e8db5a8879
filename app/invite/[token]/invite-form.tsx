"use client";
import { signIn } from "next-auth/react";
import { useState } from "react";
import { apiCall, ApiCallError, type FieldErrors } from "../../_components/api-client";
import { buttonClass, Field, FormError, Spinner } from "../../_components/form-controls";

export function InviteForm({ token }: { token: string }) {
  const [fields, setFields] = useState<FieldErrors>({});
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(e: React.FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const data = new FormData(e.currentTarget);
    const input = {
      token,
      username: String(data.get("username")),
      displayName: String(data.get("displayName")),
      email: String(data.get("email")),
      password: String(data.get("password")),
    };
    setFields({});
    setError(null);
    if (input.password !== String(data.get("confirm"))) {
      setFields({ confirm: ["The passwords do not match"] });
      return;
    }
    setBusy(true);
    try {
      await apiCall("POST", "/api/v1/invites/accept", input);
      const result = await signIn("local", { username: input.username, password: input.password, redirect: false });
      window.location.assign(result?.ok ? "/" : "/signin");
    } catch (err) {
      if (err instanceof ApiCallError && Object.keys(err.fields).length) setFields(err.fields);
      else setError(err instanceof Error ? err.message : "That did not work");
      setBusy(false);
    }
  }

  return (
    <form onSubmit={submit} noValidate className="space-y-4" aria-label="Create your account">
      <FormError message={error} />
      <Field label="Username" name="username" autoComplete="username" required errors={fields.username} hint="Letters, digits, dot, dash or underscore; you sign in with it." autoFocus />
      <Field label="Your name" name="displayName" autoComplete="name" required errors={fields.displayName} />
      <Field label="Email (optional)" name="email" type="email" autoComplete="email" errors={fields.email} />
      <Field label="Password" name="password" type="password" autoComplete="new-password" required errors={fields.password} hint="At least 12 characters." />
      <Field label="Confirm password" name="confirm" type="password" autoComplete="new-password" required errors={fields.confirm} />
      <button type="submit" className={`${buttonClass} w-full`} disabled={busy}>
        {busy && <Spinner />} Create account
      </button>
    </form>
  );
}
