"use client";
/** One pattern for every button and form that calls the API: busy state, inline field errors, a toast. */
import { useRouter } from "next/navigation";
import { useState } from "react";
import { ApiCallError, type FieldErrors } from "./api-client";
import { useToast } from "./toast";

export function useApiAction() {
  const router = useRouter();
  const toast = useToast();
  const [fields, setFields] = useState<FieldErrors>({});
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function run<T>(fn: () => Promise<T>, opts: { success?: string; refresh?: boolean; toastErrors?: boolean } = {}): Promise<T | undefined> {
    setBusy(true);
    setFields({});
    setError(null);
    try {
      const result = await fn();
      if (opts.success) toast("success", opts.success);
      if (opts.refresh !== false) router.refresh();
      return result;
    } catch (err) {
      if (err instanceof ApiCallError && Object.keys(err.fields).length) {
        setFields(err.fields);
      } else {
        const message = err instanceof Error ? err.message : "That did not work";
        if (opts.toastErrors) toast("error", message);
        else setError(message);
      }
      return undefined;
    } finally {
      setBusy(false);
    }
  }

  return { fields, error, busy, run, setFields };
}
