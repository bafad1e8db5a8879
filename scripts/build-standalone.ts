/**
 * The production app as one self-contained folder, for the container image: run after
 * `NC_STANDALONE=1 next build`, it completes Next's standalone output (.next/standalone/, only the
 * node_modules files the app was traced to use) with what Next does not know about:
 *   - our server (server.ts, which hands the socket's address to route handlers) and the
 *     migration and key-rotation commands, each bundled by esbuild into one ES module;
 *   - the Prisma CLI and what it needs (from package-lock.json), which applies the migrations;
 *   - the static assets, the migrations, the agent bundle, and a package.json whose scripts are
 *     the same `npm run start | migrate | rotate-master-key` the README shows operators.
 * The result needs neither tsx nor TypeScript nor the dev dependencies: the Dockerfile copies
 * only this folder into the runtime image.
 */
import { cpSync, existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { build } from "esbuild";
import { runtimeClosure } from "./lib/runtime-closure";

const root = path.resolve(import.meta.dirname, "..");
const out = path.join(root, ".next", "standalone");

// Resolved at run time from the traced node_modules: native bindings, Next itself (which loads
// its own files by path), and Prisma (whose runtime loads a WebAssembly compiler beside it, and
// whose CLI is shipped whole). Everything else, @prisma/adapter-pg included, is bundled in.
const EXTERNAL = ["next", "pg", "@node-rs/argon2", "@prisma/client", "prisma"];

/** Bundled CommonJS code in an ES module still calls require() for Node's built-ins. */
const REQUIRE_SHIM = `import { createRequire as __ncCreateRequire } from "node:module"; const require = __ncCreateRequire(import.meta.url);`;

async function bundle(entry: string, outfile: string): Promise<void> {
  await build({
    entryPoints: [path.join(root, entry)],
    outfile: path.join(out, outfile),
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    external: EXTERNAL,
    banner: { js: REQUIRE_SHIM },
    legalComments: "none",
    logLevel: "error",
  });
}

/**
 * The server bundle may import Next only by its package name: Next has no "exports" map, so Node's
 * ESM loader cannot resolve a subpath such as `next/server`, and Next's trace does not ship its
 * entry files anyway. server.ts imports route handlers (its direct routes), so a route module that
 * imports `next/server` would break the image at start; this fails the build instead.
 */
function assertOnlyNextItself(file: string): void {
  const subpaths = [...readFileSync(file, "utf8").matchAll(/from\s+"(next\/[^"]+)"/g)].map((m) => m[1]);
  if (subpaths.length) throw new Error(`${path.basename(file)} imports ${[...new Set(subpaths)].join(", ")}: keep Next's subpaths out of what server.ts imports`);
}

/** Never run by Node here: TypeScript sources and declarations, source maps, other databases' engines. */
const NOT_RUN = /(\.[cm]?ts|\.map|_bg\.(mysql|sqlite|sqlserver|cockroachdb)\.wasm)$/;

function copy(from: string, to = from, filter: (file: string) => boolean = () => true): void {
  cpSync(path.join(root, from), path.join(out, to), { recursive: true, filter });
}

async function main(): Promise<void> {
  if (!existsSync(path.join(out, ".next", "required-server-files.json"))) {
    throw new Error(".next/standalone is missing: run `NC_STANDALONE=1 npx next build` first");
  }
  // Next's own server.js would start Next without ours; ours reads the same frozen config
  // (Next would otherwise look for next.config.ts, which is not shipped).
  rmSync(path.join(out, "server.js"), { force: true });
  await bundle("server.ts", "server-main.mjs");
  assertOnlyNextItself(path.join(out, "server-main.mjs"));
  writeFileSync(
    path.join(out, "server.mjs"),
    [
      "// The image's entry point: Next's frozen build config, then the app's server (server.ts).",
      `import { readFileSync } from "node:fs";`,
      `const { config } = JSON.parse(readFileSync(new URL("./.next/required-server-files.json", import.meta.url), "utf8"));`,
      "process.env.__NEXT_PRIVATE_STANDALONE_CONFIG ??= JSON.stringify(config);",
      `await import("./server-main.mjs");`,
      "",
    ].join("\n"),
  );
  await bundle("scripts/migrate.ts", "scripts/migrate.mjs");
  await bundle("scripts/rotate-master-key.ts", "scripts/rotate-master-key.mjs");
  await bundle("prisma.config.ts", "prisma.config.mjs");

  for (const location of runtimeClosure(root, "prisma")) copy(location, location, (file) => !NOT_RUN.test(file));
  copy(".next/static");
  copy("public");
  copy("prisma/schema.prisma");
  copy("prisma/migrations");
  copy("dist/agent");

  const pkg = JSON.parse(readFileSync(path.join(root, "package.json"), "utf8")) as { name: string; version: string };
  const runtimePackage = {
    name: pkg.name,
    version: pkg.version,
    private: true,
    type: "module",
    scripts: {
      start: "node server.mjs",
      migrate: "node scripts/migrate.mjs",
      "rotate-master-key": "node scripts/rotate-master-key.mjs",
    },
  };
  writeFileSync(path.join(out, "package.json"), `${JSON.stringify(runtimePackage, null, 2)}\n`);
  console.log(`[standalone] ${path.relative(root, out)} is ready`);
}

main().catch((error: unknown) => {
  console.error(`[standalone] ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
