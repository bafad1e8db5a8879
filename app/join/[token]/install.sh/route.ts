import { db } from "@/lib/db/client";
import { describeJoinToken } from "@/lib/enroll/enroll-service";
import { installScript } from "@/lib/enroll/install-script";
import { publicBaseUrl } from "@/lib/enroll/link-service";

export const dynamic = "force-dynamic";

/** The one-liner's script. An unusable link gets a script that only says so, and leaks nothing. */
export async function GET(_req: Request, { params }: { params: Promise<{ token: string }> }) {
  const { token } = await params;
  const info = await describeJoinToken(token, db);
  const body = info
    ? installScript(publicBaseUrl(), token, info.networkName)
    : "#!/bin/sh\necho 'nebula-commander: this join link is not valid (expired, used up or revoked). Ask for a new one.' >&2\nexit 1\n";
  return new Response(body, { status: info ? 200 : 404, headers: { "content-type": "text/x-shellscript; charset=utf-8", "cache-control": "no-store" } });
}
