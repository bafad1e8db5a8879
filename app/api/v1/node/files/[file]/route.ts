import { withPublic } from "@/lib/api/with-network";
import { ApiError } from "@/lib/api/api-error";
import { pollConfig } from "@/lib/enroll/node-api";

const parts = { "config.yml": "config", "ca.crt": "ca", "host.crt": "certificate" } as const;

/**
 * The node's files one at a time, as plain text, for the POSIX-sh agent that cannot parse JSON.
 * Same credential, same ETag and 304 as /api/v1/node/config.
 */
export const GET = withPublic({}, async ({ req, params, meta }) => {
  const file = String(params.file) as keyof typeof parts;
  if (!(file in parts)) throw new ApiError("not_found", "Unknown file");
  const result = await pollConfig(req, meta);
  if (result.kind === "not-modified") return new Response(null, { status: 304, headers: { etag: result.etag } });
  if (result.kind === "pending") return new Response("pending approval\n", { status: 202 });
  return new Response(result.body[parts[file]], {
    headers: { etag: result.etag, "content-type": "text/plain; charset=utf-8", "cache-control": "no-store", "x-renewal-due": String(result.body.renewalDue) },
  });
});
