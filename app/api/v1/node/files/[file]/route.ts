import { withPublic } from "@/lib/api/with-network";
import { AppError } from "@/lib/core/app-error";
import { pollConfigWaiting } from "@/lib/enroll/poll-wait";
import { metrics } from "@/lib/metrics/registry";

const parts = { "config.yml": "config", "ca.crt": "ca", "host.crt": "certificate" } as const;

/**
 * The node's files one at a time, as plain text, for the POSIX-sh agent that cannot parse JSON.
 * Same credential, same ETag and 304, same report headers as /api/v1/node/config; the agent checks
 * that the three answers carry one ETag, so it never mixes files of two revisions.
 */
export const GET = withPublic({}, async ({ req, params, meta }) => {
  const file = String(params.file);
  if (!Object.hasOwn(parts, file)) throw new AppError("not_found", "Unknown file");
  const { result, headers } = await pollConfigWaiting(req, meta);
  metrics().polls.inc({ answer: result.kind === "not-modified" ? "304" : result.kind === "pending" ? "202" : "200" });
  if (result.kind === "not-modified") return new Response(null, { status: 304, headers });
  if (result.kind === "pending") return new Response("pending approval\n", { status: 202, headers });
  return new Response(result.body[parts[file as keyof typeof parts]], { headers: { ...headers, "content-type": "text/plain; charset=utf-8" } });
});
