import { NextResponse } from "next/server";
import { withPublic } from "@/lib/api/with-network";
import { pollConfig } from "@/lib/enroll/node-api";

/** The agent's poll: Bearer node credential, If-None-Match with the ETag it runs. */
export const GET = withPublic({}, async ({ req, meta }) => {
  const result = await pollConfig(req, meta);
  if (result.kind === "not-modified") return new Response(null, { status: 304, headers: { etag: result.etag } });
  if (result.kind === "pending") return NextResponse.json({ status: "pending", message: "Waiting for an admin to approve this node" }, { status: 202 });
  return NextResponse.json(result.body, { headers: { etag: result.etag, "cache-control": "no-store" } });
});
