"use client";
import { setCsrfToken } from "./api-client";

/** Hands the session's CSRF token to api-client; rendered once by the signed-in layout. */
export function CsrfProvider({ token, children }: { token: string; children: React.ReactNode }) {
  setCsrfToken(token);
  return <>{children}</>;
}
