import { notFound } from "next/navigation";
import { authMode } from "@/lib/auth/auth-config";
import { requirePageActor } from "@/lib/auth/page-session";
import { listPendingInvites } from "@/lib/users/account-links";
import { userListQuerySchema } from "@/lib/users/user-schemas";
import { KEYCLOAK_MANAGES_USERS, listUsers } from "@/lib/users/user-service";
import { UsersPanel } from "./users-panel";

export const metadata = { title: "Users" };

/** System admins only (anyone else gets the same 404 as a page that does not exist). */
export default async function UsersPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const actor = await requirePageActor();
  if (actor.systemRole !== "admin") notFound();
  if (authMode() !== "local") {
    return (
      <div className="space-y-2">
        <h1 className="text-2xl font-semibold">Users</h1>
        <p className="text-sm text-slate-600 dark:text-slate-300">{KEYCLOAK_MANAGES_USERS}</p>
      </div>
    );
  }
  const given = Object.fromEntries(Object.entries(await searchParams).flatMap(([k, v]) => (typeof v === "string" && v !== "" ? [[k, v]] : [])));
  // A hand-edited URL with a bad value shows the first page of everyone rather than an error.
  const parsed = userListQuerySchema.safeParse(given);
  const query = parsed.success ? parsed.data : userListQuerySchema.parse({});
  const [page, invites] = await Promise.all([listUsers(query), listPendingInvites()]);
  return (
    <div className="space-y-6">
      <div>
        <h1 className="text-2xl font-semibold">Users</h1>
        <p className="text-sm text-slate-500 dark:text-slate-400">Local accounts: invite people with a one-time link, reset passwords, disable accounts.</p>
      </div>
      <UsersPanel page={page} invites={invites} query={{ q: query.q }} currentUserId={actor.id} />
    </div>
  );
}
