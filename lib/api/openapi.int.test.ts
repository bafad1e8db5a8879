/** Every route handler under app/api/v1 appears in the OpenAPI document, with each method it exports. */
import { readdirSync, statSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { buildOpenApiDocument } from "./openapi";

const root = path.resolve(import.meta.dirname, "../../app/api/v1");
const methods = ["GET", "POST", "PUT", "PATCH", "DELETE"] as const;

function routeFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const full = path.join(dir, entry);
    if (statSync(full).isDirectory()) return routeFiles(full);
    return entry === "route.ts" ? [full] : [];
  });
}

describe("the OpenAPI document", () => {
  const doc = buildOpenApiDocument();

  it("lists every route and method that exists", async () => {
    const missing: string[] = [];
    const files = routeFiles(root).filter((f) => !f.includes("openapi.json"));
    expect(files.length).toBeGreaterThan(15);
    for (const file of files) {
      const apiPath = `/api/v1/${path.relative(root, path.dirname(file))}`.replace(/\/$/, "").replace(/\[(\w+)\]/g, "{$1}");
      const mod = (await import(file)) as Record<string, unknown>;
      for (const m of methods) {
        if (typeof mod[m] === "function" && !doc.paths[apiPath]?.[m.toLowerCase() as "get"]) missing.push(`${m} ${apiPath}`);
      }
    }
    expect(missing).toEqual([]);
  });

  it("describes request bodies from the zod schemas", () => {
    const create = doc.paths["/api/v1/networks"]?.post;
    const schema = (create?.requestBody as { content: Record<string, { schema: { properties?: Record<string, unknown> } }> }).content["application/json"]!.schema;
    expect(Object.keys(schema.properties ?? {})).toEqual(expect.arrayContaining(["name", "cidr", "certVersion"]));
  });
});
