import Link from "next/link";
import { requirePageActor } from "@/lib/auth/page-session";
import { csrfTokenFor } from "@/lib/auth/csrf";
import { CsrfProvider } from "../_components/csrf-provider";
import { SignOutButton } from "../_components/sign-out-button";
import { RoleBadge } from "../_components/role-badge";
import { Logo } from "../_components/logo";

export const dynamic = "force-dynamic";

export default async function SignedInLayout({ children }: { children: React.ReactNode }) {
  const actor = await requirePageActor();
  return (
    <CsrfProvider token={csrfTokenFor(actor.sid)}>
      <header className="border-b border-slate-200 bg-white dark:border-slate-800 dark:bg-slate-900">
        <div className="mx-auto flex max-w-6xl flex-wrap items-center gap-4 px-4 py-3">
          <Link href="/" className="flex items-center gap-2 font-semibold">
            <Logo />
            <span>Nebula Commander</span>
          </Link>
          <nav className="flex gap-1 text-sm" aria-label="Main">
            <Link href="/" className="rounded px-3 py-1.5 hover:bg-slate-100 dark:hover:bg-slate-800">
              Networks
            </Link>
            <Link href="/audit" className="rounded px-3 py-1.5 hover:bg-slate-100 dark:hover:bg-slate-800">
              Audit log
            </Link>
            <Link href="/tokens" className="rounded px-3 py-1.5 hover:bg-slate-100 dark:hover:bg-slate-800">
              API tokens
            </Link>
            {actor.systemRole === "admin" && (
              <Link href="/users" className="rounded px-3 py-1.5 hover:bg-slate-100 dark:hover:bg-slate-800">
                Users
              </Link>
            )}
          </nav>
          <div className="ml-auto flex items-center gap-3 text-sm">
            <Link href="/account" title="Your account: password and sessions" data-testid="current-user" className="text-slate-600 hover:underline dark:text-slate-300">
              {actor.displayName}
            </Link>
            {actor.systemRole === "admin" && <RoleBadge role="system" label="System admin" />}
            <SignOutButton everywhere />
            <SignOutButton />
          </div>
        </div>
      </header>
      <main id="main" className="mx-auto max-w-6xl px-4 py-8">
        {children}
      </main>
    </CsrfProvider>
  );
}
