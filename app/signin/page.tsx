import { redirect } from "next/navigation";
import { authMode } from "@/lib/auth/auth-config";
import { localSetupNeeded } from "@/lib/auth/local-accounts";
import { getPageActor } from "@/lib/auth/page-session";
import { AuthCard } from "../_components/auth-card";
import { SignInForm } from "./sign-in-form";

export const dynamic = "force-dynamic";
export const metadata = { title: "Sign in" };

// next-auth's error codes, in words; anything else is our own throttle message or a generic failure.
const errorText: Record<string, string> = {
  CredentialsSignin: "Wrong username or password.",
  OAuthSignin: "Could not reach the identity provider.",
  OAuthCallback: "The identity provider's answer could not be verified.",
  Callback: "Sign-in failed. Try again.",
  AccessDenied: "Access denied.",
  SessionRequired: "Sign in to continue.",
};

export default async function SignInPage({ searchParams }: { searchParams: Promise<{ error?: string; callbackUrl?: string }> }) {
  const mode = authMode();
  if (mode === "local" && (await localSetupNeeded())) redirect("/setup");
  if (await getPageActor()) redirect("/");
  const { error } = await searchParams;
  const message = error ? (errorText[error] ?? (error.startsWith("Too many") ? error : "Sign-in failed. Try again.")) : null;
  return (
    <AuthCard title="Sign in to Nebula Commander" subtitle={mode === "keycloak" ? "Use your organisation's account." : "Use your local account."}>
      <SignInForm mode={mode} initialError={message} />
    </AuthCard>
  );
}
