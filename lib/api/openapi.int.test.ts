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

  it("has only patterns that compile as ECMA regexes and accept the documented examples", () => {
    const patterns: string[] = [];
    const failures: string[] = [];
    const examplesOf = (node: Record<string, unknown>): unknown[] => {
      const listed = node.examples;
      // 3.0 media types and parameters hold { name: { value } }; schemas (3.1) hold an array.
      const many = Array.isArray(listed) ? listed : listed && typeof listed === "object" ? Object.values(listed).map((e) => (e as { value?: unknown }).value) : [];
      return [...("example" in node ? [node.example] : []), ...many];
    };
    const check = (pattern: unknown, examples: unknown[], where: string) => {
      if (typeof pattern !== "string") return;
      patterns.push(pattern);
      // A regex's source with its flags pasted on ("...$/i") compiles, but matches nothing.
      if (/\/[dgimsuvy]+$/.test(pattern)) failures.push(`${where}: pattern ends in flags: ${pattern}`);
      let re: RegExp;
      try {
        re = new RegExp(pattern, "u");
      } catch (error) {
        failures.push(`${where}: ${(error as Error).message}`);
        return;
      }
      for (const example of examples) {
        if (typeof example !== "string" || !re.test(example)) failures.push(`${where}: example ${JSON.stringify(example)} does not match ${pattern}`);
      }
    };
    const walk = (value: unknown, where: string): void => {
      if (Array.isArray(value)) return value.forEach((v, i) => walk(v, `${where}/${i}`));
      if (value === null || typeof value !== "object") return;
      const node = value as Record<string, unknown>;
      check(node.pattern, examplesOf(node), where);
      // A parameter or media type documents its examples beside its schema.
      const schema = node.schema as Record<string, unknown> | undefined;
      if (schema && typeof schema === "object" && typeof schema.pattern === "string") {
        for (const example of examplesOf(node)) check(schema.pattern, [example], `${where}/schema`);
      }
      for (const [key, child] of Object.entries(node)) walk(child, `${where}/${key}`);
    };
    walk(doc, "#");
    expect(patterns.length).toBeGreaterThan(5);
    expect(failures).toEqual([]);
  });

  it("describes request bodies from the zod schemas", () => {
    const create = doc.paths["/api/v1/networks"]?.post;
    const schema = (create?.requestBody as { content: Record<string, { schema: { properties?: Record<string, unknown> } }> }).content["application/json"]!.schema;
    expect(Object.keys(schema.properties ?? {})).toEqual(expect.arrayContaining(["name", "cidr", "certVersion"]));
  });

  it("registers ip6 on the node views and the network settings in the OpenAPI document", () => {
    const paths = buildOpenApiDocument().paths as Record<string, Record<string, { responses: Record<string, { content?: Record<string, { schema: unknown }> }> }>>;
    const schemaOf = (p: string) => JSON.stringify(paths[`/api/v1${p}`]!.get!.responses["200"]!.content!["application/json"]!.schema);
    for (const p of ["/networks/{networkId}/nodes", "/networks/{networkId}/nodes/{nodeId}"]) expect(schemaOf(p)).toMatch(/ip6/);
    const network = schemaOf("/networks/{networkId}");
    for (const field of ["certVersion", "nebulaTarget", "cidr6", "inboundAction", "outboundAction"]) expect(network).toContain(field);
  });
});
