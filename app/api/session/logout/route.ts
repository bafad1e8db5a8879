import { NextResponse } from "next/server";
import { withActor } from "@/lib/api/with-network";
import { expiredSessionCookies, logoutRedirectUrl } from "@/lib/auth/logout";
import { endSession } from "@/lib/auth/user-sessions";

export const POST = withActor({}, async ({ req, actor }) => {
  const cookieHeader = req.headers.get("cookie");
  const res = NextResponse.json({ redirectUrl: await logoutRedirectUrl(cookieHeader) });
  // The row, not the cookie, is what ends the session: a copy of the cookie is worthless from here on.
  await endSession(actor.sid);
  for (const cookie of expiredSessionCookies(cookieHeader)) res.headers.append("set-cookie", cookie);
  return res;
});
