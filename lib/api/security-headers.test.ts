import { describe, expect, it } from "vitest";
import { contentSecurityPolicy, everyResponseHeaders, newNonce } from "./security-headers";

const directives = (policy: string) => new Map(policy.split("; ").map((d) => [d.split(" ")[0]!, d.split(" ").slice(1)]));

describe("security headers", () => {
  it("scripts run only with the request's nonce, and no one may frame the app", () => {
    const policy = directives(contentSecurityPolicy("abc123==", { dev: false, formOrigins: [] }));
    expect(policy.get("script-src")).toEqual(["'self'", "'nonce-abc123=='", "'strict-dynamic'"]);
    expect(policy.get("frame-ancestors")).toEqual(["'none'"]);
    expect(policy.get("object-src")).toEqual(["'none'"]);
    expect(policy.get("script-src")).not.toContain("'unsafe-inline'");
    expect(policy.get("script-src")).not.toContain("'unsafe-eval'");
  });

  it("lets sign-in forms reach Keycloak, and only in dev allows eval", () => {
    const policy = directives(contentSecurityPolicy("n", { dev: true, formOrigins: ["https://id.example.com"] }));
    expect(policy.get("form-action")).toEqual(["'self'", "https://id.example.com"]);
    expect(policy.get("script-src")).toContain("'unsafe-eval'");
  });

  it("nonces are fresh and long enough", () => {
    const nonces = new Set(Array.from({ length: 100 }, newNonce));
    expect(nonces.size).toBe(100);
    for (const n of nonces) expect(Buffer.from(n, "base64")).toHaveLength(16);
  });

  it("sends HSTS only behind https, Permissions-Policy always", () => {
    expect(everyResponseHeaders("https://nebula.example.com")["strict-transport-security"]).toMatch(/^max-age=\d+/);
    expect(everyResponseHeaders("http://localhost:3000")["strict-transport-security"]).toBeUndefined();
    expect(everyResponseHeaders(undefined)["permissions-policy"]).toContain("camera=()");
  });
});
