import type { ErrorCode, FieldErrors } from "@/lib/core/app-error";

/** The JSON body every failed request answers with. */
export interface ErrorBody {
  error: { code: ErrorCode; message: string; fields?: FieldErrors; requestId: string };
}
