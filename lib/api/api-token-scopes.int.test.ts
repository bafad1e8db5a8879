/**
 * Fail closed: every handler under app/api/v1 that a signed-in user calls declares the one scope
 * an API token needs for it (or that no token may call it), and that scope is the one the OpenAPI
 * document publishes and lib/auth/scopes.ts maps the operation to.
 */
import { readdirSync, statSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { operationScopes, sessionOnlyOperations } from "@/lib/auth/scopes";
import { buildOpenApiDocument } from "./openapi";
import type { RouteAuth } from "./with-network";

const root = path.resolve(import.meta.dirname, "../../app/api/v1");
const methods = ["GET", "POST", "PUT", "PATCH", "DELETE"] as const;

function routeFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const full = path.join(dir, entry);
    if (statSync(full).isDirectory()) return routeFiles(full);
    return entry === "route.ts" ? [full] : [];
  });
}

interface Declared {
  op: string;
  auth: RouteAuth | undefined;
}

async function declaredRoutes(): Promise<Declared[]> {
  const out: Declared[] = [];
  for (const file of routeFiles(root).filter((f) => !f.includes("openapi.json"))) {
    const apiPath = `/${path.relative(root, path.dirname(file))}`.replace(/\[(\w+)\]/g, "{$1}");
    const mod = (await import(file)) as Record<string, unknown>;
    for (const m of methods) {
      const handler = mod[m] as ({ routeAuth?: RouteAuth } & (() => unknown)) | undefined;
      if (typeof handler === "function") out.push({ op: `${m} ${apiPath}`, auth: handler.routeAuth });
    }
  }
  return out;
}

describe("API token scopes", () => {
  it("every route is built by the wrapper and every signed-in route declares a scope or session-only", async () => {
    const routes = await declaredRoutes();
    expect(routes.length).toBeGreaterThan(40);
    const problems = routes.flatMap(({ op, auth }) => {
      if (!auth) return [`${op}: not built with withActor, withNetwork or withPublic`];
      if (auth.kind === "public") return [];
      if (auth.scope && auth.sessionOnly) return [`${op}: both a scope and session-only`];
      if (!auth.scope && !auth.sessionOnly) return [`${op}: declares no scope (a token would be refused, but say so)`];
      return [];
    });
    expect(problems).toEqual([]);
  });

  it("the route's scope is the one lib/auth/scopes.ts maps it to and the OpenAPI document publishes", async () => {
    const doc = buildOpenApiDocument();
    const mismatches: string[] = [];
    for (const { op, auth } of await declaredRoutes()) {
      if (!auth || auth.kind === "public" || (!auth.scope && !auth.sessionOnly)) continue; // the first test names those
      const [method, apiPath] = op.split(" ") as [string, string];
      const security = doc.paths[`/api/v1${apiPath}`]?.[method.toLowerCase() as "get"]?.security;
      const published = security?.find((s) => "apiToken" in s)?.apiToken ?? [];
      if (auth.sessionOnly) {
        if (!sessionOnlyOperations.has(op)) mismatches.push(`${op}: session-only in the route, not in scopes.ts`);
        if (published.length) mismatches.push(`${op}: session-only, but the document offers apiToken`);
        if (!security?.some((s) => "session" in s)) mismatches.push(`${op}: no session security in the document`);
        continue;
      }
      if (operationScopes[op] !== auth.scope) mismatches.push(`${op}: route ${auth.scope}, scopes.ts ${operationScopes[op]}`);
      if (published.join() !== auth.scope) mismatches.push(`${op}: route ${auth.scope}, document ${published.join()}`);
      if (!security?.some((s) => "session" in s && s.session!.length === 0)) mismatches.push(`${op}: no session security in the document`);
    }
    expect(mismatches).toEqual([]);
  });

  it("every operation the document offers to signed-in users maps to exactly one scope, or is session-only", () => {
    const doc = buildOpenApiDocument();
    const schemes = doc.components?.securitySchemes as Record<string, { type: string; scheme?: string }>;
    expect(schemes.apiToken).toMatchObject({ type: "http", scheme: "bearer" });
    const unmapped: string[] = [];
    for (const [p, item] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(item as Record<string, { security?: Array<Record<string, string[]>> }>)) {
        if (!op.security?.some((s) => "session" in s)) continue;
        const key = `${method.toUpperCase()} ${p.replace(/^\/api\/v1/, "")}`;
        const tokenScopes = op.security.filter((s) => "apiToken" in s).flatMap((s) => s.apiToken!);
        if (sessionOnlyOperations.has(key) ? tokenScopes.length !== 0 : tokenScopes.length !== 1) unmapped.push(`${key}: ${tokenScopes.join() || "no scope"}`);
      }
    }
    expect(unmapped).toEqual([]);
    // And the map names no operation the document does not have.
    const documented = new Set(Object.entries(doc.paths).flatMap(([p, item]) => Object.keys(item as object).map((m) => `${m.toUpperCase()} ${p.replace(/^\/api\/v1/, "")}`)));
    expect(Object.keys(operationScopes).filter((op) => !documented.has(op))).toEqual([]);
  });
});
