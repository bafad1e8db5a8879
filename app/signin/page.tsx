import { redirect } from "next/navigation";
import { authMode } from "@/lib/auth/auth-config";
import { localSetupNeeded } from "@/lib/auth/local-accounts";
import { getPageActor } from "@/lib/auth/page-session";
import { signInErrorMessage } from "@/lib/auth/sign-in-errors";
import { AuthCard } from "../_components/auth-card";
import { SignInForm } from "./sign-in-form";

export const dynamic = "force-dynamic";
export const metadata = { title: "Sign in" };

export default async function SignInPage({ searchParams }: { searchParams: Promise<{ error?: string; callbackUrl?: string }> }) {
  const mode = authMode();
  if (mode === "local" && (await localSetupNeeded())) redirect("/setup");
  if (await getPageActor()) redirect("/");
  const { error } = await searchParams;
  // Fixed sentences only: ?error= comes from whoever wrote the link.
  const message = signInErrorMessage(error);
  return (
    <AuthCard title="Sign in to Nebula Commander" subtitle={mode === "keycloak" ? "Use your organisation's account." : "Use your local account."}>
      <SignInForm mode={mode} initialError={message} />
    </AuthCard>
  );
}
