import { notFound, redirect } from "next/navigation";
import { authMode } from "@/lib/auth/auth-config";
import { localSetupNeeded } from "@/lib/auth/local-accounts";
import { AuthCard } from "../_components/auth-card";
import { SetupForm } from "./setup-form";

export const dynamic = "force-dynamic";
export const metadata = { title: "First-run setup" };

/** The link the server prints carries the setup code; typed by hand, the code field takes it. */
export default async function SetupPage({ searchParams }: { searchParams: Promise<{ code?: string | string[] }> }) {
  if (authMode() !== "local") notFound();
  if (!(await localSetupNeeded())) redirect("/signin");
  const { code } = await searchParams;
  return (
    <AuthCard title="Welcome to Nebula Commander" subtitle="Create the first administrator account.">
      <SetupForm code={typeof code === "string" ? code.slice(0, 40) : ""} />
    </AuthCard>
  );
}
