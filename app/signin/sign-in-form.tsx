"use client";
import { signIn } from "next-auth/react";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { signInErrorMessage } from "@/lib/auth/sign-in-errors";
import { buttonClass, Field, FormError, Spinner } from "../_components/form-controls";

export function SignInForm({ mode, initialError }: { mode: "local" | "keycloak"; initialError: string | null }) {
  const router = useRouter();
  const [error, setError] = useState(initialError);
  const [busy, setBusy] = useState(false);

  if (mode === "keycloak") {
    return (
      <div className="space-y-4">
        <FormError message={error} />
        <button
          className={`${buttonClass} w-full`}
          disabled={busy}
          onClick={() => {
            setBusy(true);
            void signIn("keycloak", { callbackUrl: "/" });
          }}
        >
          {busy && <Spinner />} Sign in with Keycloak
        </button>
      </div>
    );
  }

  async function submit(e: React.FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const data = new FormData(e.currentTarget);
    setBusy(true);
    setError(null);
    const result = await signIn("local", { username: String(data.get("username")), password: String(data.get("password")), redirect: false });
    if (result?.ok && !result.error) {
      router.replace("/");
      router.refresh();
      return;
    }
    setError(signInErrorMessage(result?.error || "CredentialsSignin"));
    setBusy(false);
  }

  return (
    <form onSubmit={submit} className="space-y-4">
      <FormError message={error} />
      <Field label="Username" name="username" autoComplete="username" required autoFocus />
      <Field label="Password" name="password" type="password" autoComplete="current-password" required />
      <button type="submit" className={`${buttonClass} w-full`} disabled={busy}>
        {busy && <Spinner />} Sign in
      </button>
    </form>
  );
}
