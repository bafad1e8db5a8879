"use client";
/** Browser-side calls to our API: JSON in and out, the CSRF header added, errors typed. */

export type FieldErrors = Record<string, string[]>;

export class ApiCallError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly fields: FieldErrors = {},
  ) {
    super(message);
  }
}

let csrfToken = "";

export function setCsrfToken(token: string): void {
  csrfToken = token;
}

/** For the few calls that need a raw Response (file downloads). */
export function apiFetch(method: "POST" | "GET", url: string, body?: unknown): Promise<Response> {
  return fetch(url, { method, headers: { "content-type": "application/json", "x-csrf-token": csrfToken }, body: body === undefined ? undefined : JSON.stringify(body) });
}

export async function apiCall<T>(method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE", url: string, body?: unknown): Promise<T> {
  const res = await fetch(url, {
    method,
    headers: { "content-type": "application/json", "x-csrf-token": csrfToken },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (res.status === 204) return undefined as T;
  const json = (await res.json().catch(() => null)) as { error?: { message: string; fields?: FieldErrors } } | null;
  if (!res.ok) {
    throw new ApiCallError(json?.error?.message ?? `Request failed (${res.status})`, res.status, json?.error?.fields ?? {});
  }
  return json as T;
}
