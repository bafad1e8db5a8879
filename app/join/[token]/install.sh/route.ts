import { db } from "@/lib/db/client";
import { describeJoinToken } from "@/lib/enroll/enroll-service";
import { installScript, unusableLinkScript } from "@/lib/enroll/install-script";
import { publicBaseUrl } from "@/lib/enroll/link-service";

export const dynamic = "force-dynamic";

/**
 * The one-liner's script. An unusable link gets a script that says so (the join page's words) and
 * exits 1. It is sent with 200 on purpose: `curl -fsSL … | sh` drops the body of an error answer,
 * so the person would see only "curl: (22)" and a pipeline that exits 0.
 */
export async function GET(_req: Request, { params }: { params: Promise<{ token: string }> }) {
  const { token } = await params;
  const info = await describeJoinToken(token, db);
  const body = info ? installScript(publicBaseUrl(), token, info.networkName) : unusableLinkScript();
  return new Response(body, { status: 200, headers: { "content-type": "text/x-shellscript; charset=utf-8", "cache-control": "no-store", "x-robots-tag": "noindex" } });
}
