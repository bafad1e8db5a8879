/**
 * The browser-facing security headers. The Content-Security-Policy carries a fresh nonce per page
 * request (proxy.ts), so only the scripts Next itself renders run: 'strict-dynamic' lets those load
 * their chunks, and nothing injected into a page can run. The others go on every response
 * (server.ts).
 */

export const NONCE_HEADER = "x-nonce";

export interface CspOptions {
  /** Next's dev server evaluates code for its error overlay and fast refresh. */
  dev: boolean;
  /** Origins a form may post to or be redirected to after posting: the Keycloak sign-in and sign-out. */
  formOrigins: string[];
}

export function contentSecurityPolicy(nonce: string, { dev, formOrigins }: CspOptions): string {
  const directives: Record<string, string[]> = {
    "default-src": ["'self'"],
    "script-src": ["'self'", `'nonce-${nonce}'`, "'strict-dynamic'", ...(dev ? ["'unsafe-eval'"] : [])],
    // React writes style attributes (widths of bars, QR code boxes); styles cannot run code.
    "style-src": ["'self'", "'unsafe-inline'"],
    // QR codes and the topology are inline SVG or data: URLs.
    "img-src": ["'self'", "data:", "blob:"],
    "font-src": ["'self'"],
    "connect-src": ["'self'", ...(dev ? ["ws:"] : [])],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "form-action": ["'self'", ...formOrigins],
    "frame-ancestors": ["'none'"],
  };
  return Object.entries(directives)
    .map(([name, values]) => `${name} ${values.join(" ")}`)
    .join("; ");
}

/** Features no page of this app uses; a page that asked for one would be an injected one. */
export const PERMISSIONS_POLICY = ["camera", "microphone", "geolocation", "payment", "usb", "serial", "bluetooth", "hid", "midi", "display-capture", "interest-cohort"]
  .map((feature) => `${feature}=()`)
  .join(", ");

/**
 * Headers every answer carries: Next adds them through next.config.ts's headers(), and the
 * agents' routes served without Next (direct-route.ts) add them themselves.
 */
export const FRAME_AND_SNIFF_HEADERS: ReadonlyArray<readonly [string, string]> = [
  ["X-Frame-Options", "DENY"],
  ["X-Content-Type-Options", "nosniff"],
  ["Referrer-Policy", "same-origin"],
];

/** Headers every response carries. HSTS only when the public URL is https: over plain http it is ignored, and it would pin a name that is not served over TLS. */
export function everyResponseHeaders(publicUrl: string | undefined): Record<string, string> {
  const headers: Record<string, string> = { "permissions-policy": PERMISSIONS_POLICY };
  if (publicUrl?.startsWith("https://")) headers["strict-transport-security"] = "max-age=63072000; includeSubDomains";
  return headers;
}

/** 16 random bytes, base64: unguessable, and a valid CSP nonce token. */
export function newNonce(): string {
  return Buffer.from(crypto.getRandomValues(new Uint8Array(16))).toString("base64");
}
