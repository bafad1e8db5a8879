import { notFound } from "next/navigation";
import { authMode } from "@/lib/auth/auth-config";
import { findUsableLink, UNUSABLE_ACCOUNT_LINK } from "@/lib/users/account-links";
import { AuthCard } from "../../_components/auth-card";
import { ResetForm } from "./reset-form";

export const dynamic = "force-dynamic";
export const metadata = { title: "Set a new password", robots: { index: false } };

/** For the person holding a reset link. An unusable link says only that, whatever the reason. */
export default async function ResetPage({ params }: { params: Promise<{ token: string }> }) {
  if (authMode() !== "local") notFound();
  const { token } = await params;
  const link = await findUsableLink(token, "reset");
  if (!link?.user) {
    return (
      <AuthCard title="This reset link cannot be used" subtitle={UNUSABLE_ACCOUNT_LINK}>
        <p className="text-center text-sm">
          <a href="/signin" className="text-indigo-700 underline dark:text-indigo-300">
            Go to sign-in
          </a>
        </p>
      </AuthCard>
    );
  }
  return (
    <AuthCard title="Set a new password" subtitle={`For ${link.user.subject}. Every browser signed in to this account is signed out.`}>
      <ResetForm token={token} username={link.user.subject} />
    </AuthCard>
  );
}
