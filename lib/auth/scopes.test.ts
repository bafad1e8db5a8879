import { describe, expect, it } from "vitest";
import { allScopes, operationScopes, readOnlyScopes, scopeCatalog, sessionOnlyOperations } from "./scopes";

describe("scopes", () => {
  it("are resource:action, each listed once", () => {
    for (const scope of allScopes) expect(scope).toMatch(/^[a-z]+:[a-z]+$/);
    expect(new Set(allScopes).size).toBe(scopeCatalog.length);
  });

  it("each open at least one operation (no scope a user could tick for nothing)", () => {
    const used = new Set(Object.values(operationScopes));
    expect(allScopes.filter((s) => !used.has(s))).toEqual([]);
  });

  it("read scopes open only GET operations, so the read-only preset cannot change anything", () => {
    const writes = Object.entries(operationScopes).filter(([op, scope]) => readOnlyScopes.includes(scope) && !op.startsWith("GET "));
    expect(writes).toEqual([]);
    expect(readOnlyScopes.length).toBeGreaterThan(5);
  });

  it("name operations as METHOD /path, none both scoped and session-only", () => {
    for (const op of [...Object.keys(operationScopes), ...sessionOnlyOperations]) expect(op).toMatch(/^(GET|POST|PUT|PATCH|DELETE) \/[a-z0-9/{}_-]*$/i);
    expect(Object.keys(operationScopes).filter((op) => sessionOnlyOperations.has(op))).toEqual([]);
  });
});
