import { authMode } from "@/lib/auth/auth-config";
import { LOCAL_ISSUER } from "@/lib/auth/local-accounts";
import { requirePageActor } from "@/lib/auth/page-session";
import { db } from "@/lib/db/client";
import { SignOutButton } from "../../_components/sign-out-button";
import { PasswordForm } from "./password-form";

export const metadata = { title: "Your account" };

export default async function AccountPage() {
  const actor = await requirePageActor();
  const user = await db.user.findUniqueOrThrow({ where: { id: actor.id }, select: { issuer: true, subject: true, email: true } });
  const local = authMode() === "local" && user.issuer === LOCAL_ISSUER;
  return (
    <div className="max-w-xl space-y-8">
      <div>
        <h1 className="text-2xl font-semibold">Your account</h1>
        <p className="text-sm text-slate-500 dark:text-slate-400">
          {actor.displayName}
          {local ? ` (username ${user.subject})` : ""}
          {user.email ? `, ${user.email}` : ""}
        </p>
      </div>
      <section aria-labelledby="password-heading" className="space-y-3">
        <h2 id="password-heading" className="text-lg font-semibold">
          Password
        </h2>
        {local ? (
          <PasswordForm username={user.subject} />
        ) : (
          <p className="text-sm text-slate-600 dark:text-slate-300">Your password is managed in Keycloak.</p>
        )}
      </section>
      <section aria-labelledby="sessions-heading" className="space-y-3">
        <h2 id="sessions-heading" className="text-lg font-semibold">
          Sessions
        </h2>
        <p className="text-sm text-slate-600 dark:text-slate-300">Signed in on a browser you no longer use? End every session of yours, this one included.</p>
        <SignOutButton everywhere />
      </section>
    </div>
  );
}
