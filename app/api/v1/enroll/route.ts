import { withPublic } from "@/lib/api/with-network";
import { enroll } from "@/lib/enroll/enroll-service";
import { enrollSchema, MAX_ENROLL_BODY } from "@/lib/enroll/link-schemas";

/** Join token + hostname + the host's own public key -> node, certificate, config and credential. */
export const POST = withPublic({ body: enrollSchema, status: 201, maxBodyBytes: MAX_ENROLL_BODY }, async ({ body, meta }) => enroll(body, meta));
