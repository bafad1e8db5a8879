import { NextResponse } from "next/server";
import { withActor } from "@/lib/api/with-network";
import { expiredSessionCookies, logoutRedirectUrl } from "@/lib/auth/logout";

export const POST = withActor({}, async ({ req }) => {
  const cookieHeader = req.headers.get("cookie");
  const res = NextResponse.json({ redirectUrl: await logoutRedirectUrl(cookieHeader) });
  for (const cookie of expiredSessionCookies(cookieHeader)) res.headers.append("set-cookie", cookie);
  return res;
});
