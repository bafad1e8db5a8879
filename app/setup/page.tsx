import { notFound, redirect } from "next/navigation";
import { authMode } from "@/lib/auth/auth-config";
import { localSetupNeeded } from "@/lib/auth/local-accounts";
import { AuthCard } from "../_components/auth-card";
import { SetupForm } from "./setup-form";

export const dynamic = "force-dynamic";
export const metadata = { title: "First-run setup" };

export default async function SetupPage() {
  if (authMode() !== "local") notFound();
  if (!(await localSetupNeeded())) redirect("/signin");
  return (
    <AuthCard title="Welcome to Nebula Commander" subtitle="Create the first administrator account.">
      <SetupForm />
    </AuthCard>
  );
}
