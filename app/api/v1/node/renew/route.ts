import { withPublic } from "@/lib/api/with-network";
import { renewNode } from "@/lib/enroll/node-api";
import { renewSchema } from "@/lib/enroll/link-schemas";

/** A fresh certificate for the node's new public key; answers with the rotated credential. */
export const POST = withPublic({ body: renewSchema, maxBodyBytes: 8 * 1024 }, async ({ req, body, meta }) => renewNode(req, body.publicKeyPem, meta));
