import { notFound } from "next/navigation";
import { authMode } from "@/lib/auth/auth-config";
import { findUsableLink, UNUSABLE_ACCOUNT_LINK } from "@/lib/users/account-links";
import { AuthCard } from "../../_components/auth-card";
import { InviteForm } from "./invite-form";

export const dynamic = "force-dynamic";
export const metadata = { title: "Create your account", robots: { index: false } };

/** For the person holding an invite. An unusable link says only that, whatever the reason. */
export default async function InvitePage({ params }: { params: Promise<{ token: string }> }) {
  if (authMode() !== "local") notFound();
  const { token } = await params;
  const link = await findUsableLink(token, "invite");
  if (!link) {
    return (
      <AuthCard title="This invite cannot be used" subtitle={UNUSABLE_ACCOUNT_LINK}>
        <p className="text-center text-sm">
          <a href="/signin" className="text-indigo-700 underline dark:text-indigo-300">
            Go to sign-in
          </a>
        </p>
      </AuthCard>
    );
  }
  return (
    <AuthCard title="Create your account" subtitle={`You were invited to Nebula Commander. This invite works once, until ${link.expiresAt.toUTCString()}.`}>
      <InviteForm token={token} />
    </AuthCard>
  );
}
