/** Session helpers for server-rendered pages; the same checks as the API wrapper, with redirects. */
import { cookies } from "next/headers";
import { notFound, redirect } from "next/navigation";
import { AppError } from "@/lib/core/app-error";
import { authorizeNetwork, type AuthorizedNetwork } from "@/lib/auth/authorize-network";
import { authMode } from "./auth-config";
import { localSetupNeeded } from "./local-accounts";
import type { MemberRole } from "./roles";
import { actorFromCookies, type Actor } from "./session";

async function cookieHeader(): Promise<string> {
  const jar = await cookies();
  return jar
    .getAll()
    .map((c) => `${c.name}=${encodeURIComponent(c.value)}`)
    .join("; ");
}

export async function getPageActor(): Promise<Actor | null> {
  return actorFromCookies(await cookieHeader());
}

/** The signed-in user, or a redirect to first-run setup or the sign-in page. */
export async function requirePageActor(): Promise<Actor> {
  const actor = await getPageActor();
  if (actor) return actor;
  if (authMode() === "local" && (await localSetupNeeded())) redirect("/setup");
  redirect("/signin");
}

/** A network page: not visible answers the same 404 page as not existing. */
export async function loadNetworkForPage(actor: Actor, networkId: string, role: MemberRole = "viewer"): Promise<AuthorizedNetwork> {
  try {
    return await authorizeNetwork(actor, networkId, role);
  } catch (error) {
    if (error instanceof AppError && (error.code === "not_found" || error.code === "forbidden")) notFound();
    throw error;
  }
}
