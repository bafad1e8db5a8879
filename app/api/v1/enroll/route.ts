import { withPublic } from "@/lib/api/with-network";
import { AppError } from "@/lib/core/app-error";
import { enroll } from "@/lib/enroll/enroll-service";
import { enrollSchema, MAX_ENROLL_BODY } from "@/lib/enroll/link-schemas";
import { metrics } from "@/lib/metrics/registry";

/** Join token + hostname + the host's own public key -> node, certificate, config and credential. */
export const POST = withPublic({ body: enrollSchema, status: 201, maxBodyBytes: MAX_ENROLL_BODY }, async ({ body, meta }) => {
  try {
    const result = await enroll(body, meta);
    metrics().enrollments.inc({ result: "ok" });
    return result;
  } catch (error) {
    metrics().enrollments.inc({ result: error instanceof AppError ? error.code : "internal" });
    throw error;
  }
});
