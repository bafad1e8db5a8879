import { withPublic } from "@/lib/api/with-network";
import { retireNode } from "@/lib/enroll/node-api";

/** The host gives up its node (it is being replaced): the node is deleted and its certificate blocklisted. */
export const POST = withPublic({}, async ({ req, meta }) => {
  await retireNode(req, meta);
  return null;
});
