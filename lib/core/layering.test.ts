import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

/**
 * lib/api is the HTTP edge; the domain folders sit below it and must not reach back up. A domain
 * that imported the wrapper would drag Next's request types into code the agent, the benchmarks
 * and the scripts also load.
 */
const LIB = path.join(process.cwd(), "lib");
const SELF = path.join(LIB, "core", "layering.test.ts");
const NOT_DOMAINS = new Set(["api", "generated", "testing"]);

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && /\.(ts|tsx|mts)$/.test(entry.name))
    .map((entry) => path.join(entry.parentPath, entry.name))
    .filter((file) => file !== SELF); // its own probes spell the forbidden imports
}

function importsOfApi(file: string, source = readFileSync(file, "utf8")): string[] {
  const found: string[] = [];
  for (const match of source.matchAll(/from\s+["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)/g)) {
    const spec = match[1] ?? match[2] ?? "";
    const resolved = spec.startsWith(".") ? path.relative(LIB, path.resolve(path.dirname(file), spec)) : spec.replace(/^@\/lib\//, "");
    if (resolved === "api" || resolved.startsWith("api/")) found.push(spec);
  }
  return found;
}

describe("layering", () => {
  const domains = readdirSync(LIB, { withFileTypes: true }).filter((d) => d.isDirectory() && !NOT_DOMAINS.has(d.name));

  it("finds the domain folders it guards", () => {
    expect(domains.map((d) => d.name)).toEqual(expect.arrayContaining(["core", "enroll", "ipam", "networks", "nodes", "pki"]));
  });

  it("no file under lib/<domain>/ imports lib/api", () => {
    const offenders = domains.flatMap((d) =>
      sourceFiles(path.join(LIB, d.name)).flatMap((file) => importsOfApi(file).map((spec) => `${path.relative(LIB, file)} -> ${spec}`)),
    );
    expect(offenders).toEqual([]);
  });

  it("would notice an import of lib/api", () => {
    // Guards the guard: the matcher must recognise every spelling it is meant to forbid.
    const probe = path.join(LIB, "nodes", "probe.ts");
    expect(importsOfApi(probe, 'import { x } from "@/lib/api/with-network";')).toHaveLength(1);
    expect(importsOfApi(probe, 'import type { y } from "../api/openapi";')).toHaveLength(1);
    expect(importsOfApi(probe, 'const z = await import("@/lib/api/openapi");')).toHaveLength(1);
    expect(importsOfApi(probe, 'import { w } from "@/lib/apiary/x";')).toHaveLength(0);
  });
});
