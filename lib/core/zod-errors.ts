import { z } from "zod";
import { AppError, type FieldErrors } from "@/lib/core/app-error";

/** Collects every zod issue by field path, so a form can show all of them at once. */
// A missing field reads "This field is required" rather than zod's type-speak.
z.config({
  customError: (issue) => (issue.code === "invalid_type" && issue.input === undefined ? "This field is required" : undefined),
});

export function fieldErrorsOf(error: z.ZodError): FieldErrors {
  const fields: FieldErrors = {};
  for (const issue of error.issues) {
    const key = issue.path.length ? issue.path.map(String).join(".") : "_";
    (fields[key] ??= []).push(issue.message);
  }
  return fields;
}

export function parseOrThrow<S extends z.ZodType>(schema: S, value: unknown): z.infer<S> {
  const result = schema.safeParse(value);
  if (!result.success) {
    throw new AppError("validation_failed", "Some fields are not valid", fieldErrorsOf(result.error));
  }
  return result.data;
}
