import { NextResponse } from "next/server";
import { withActor } from "@/lib/api/with-network";
import { expiredSessionCookies, logoutRedirectUrl } from "@/lib/auth/logout";
import { endAllSessions } from "@/lib/auth/user-sessions";

/** "Sign out everywhere": every browser the user is signed in on, this one included. */
export const POST = withActor({}, async ({ req, actor }) => {
  const cookieHeader = req.headers.get("cookie");
  const res = NextResponse.json({ redirectUrl: await logoutRedirectUrl(cookieHeader), ended: await endAllSessions(actor.id) });
  for (const cookie of expiredSessionCookies(cookieHeader)) res.headers.append("set-cookie", cookie);
  return res;
});
