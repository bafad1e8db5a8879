import { answer, jsonResponse } from "@/lib/api/direct-route";
import { withPublic } from "@/lib/api/with-network";
import { pollConfigWaiting } from "@/lib/enroll/poll-wait";
import { metrics } from "@/lib/metrics/registry";

/** The agent's poll: Bearer node credential, If-None-Match with the bundle it holds, and its report headers. */
export const GET = withPublic({}, async ({ req, meta }) => {
  const { result, headers } = await pollConfigWaiting(req, meta);
  metrics().polls.inc({ answer: result.kind === "not-modified" ? "304" : result.kind === "pending" ? "202" : "200" });
  if (result.kind === "not-modified") return answer(req, 304, headers, null);
  if (result.kind === "pending") return jsonResponse(req, { status: "pending", message: "Waiting for an admin to approve this node" }, { status: 202, headers });
  return jsonResponse(req, result.body, { headers });
});
