/**
 * Runs before every page: gives it a fresh CSP nonce. Next reads the policy from the request
 * header and puts the nonce on the scripts it renders; the same policy goes back to the browser.
 * API routes, static files and the agent download need no policy (they are not documents).
 */
import { NextResponse, type NextRequest } from "next/server";
import { contentSecurityPolicy, newNonce, NONCE_HEADER } from "@/lib/api/security-headers";
import { keycloakSettings } from "@/lib/auth/auth-config";

function formOrigins(): string[] {
  const kc = keycloakSettings();
  return kc ? [new URL(kc.issuer).origin] : [];
}

export function proxy(request: NextRequest) {
  const nonce = newNonce();
  const policy = contentSecurityPolicy(nonce, { dev: process.env.NODE_ENV !== "production", formOrigins: formOrigins() });
  const headers = new Headers(request.headers);
  headers.set(NONCE_HEADER, nonce);
  headers.set("content-security-policy", policy);
  const response = NextResponse.next({ request: { headers } });
  response.headers.set("content-security-policy", policy);
  return response;
}

export const config = {
  matcher: [
    {
      source: "/((?!api/|_next/static|_next/image|agent/|favicon\\.ico|metrics|readyz).*)",
      // Prefetches are answered from the page already loaded, with its nonce.
      missing: [
        { type: "header", key: "next-router-prefetch" },
        { type: "header", key: "purpose", value: "prefetch" },
      ],
    },
  ],
};
