/**
 * nc-agent as one file: the agent's TypeScript bundled by esbuild into a single ES module that
 * needs only Node 18 or later on the host (no node_modules, no clone of this repository). The
 * server serves it at a versioned URL with its SHA-256 (app/agent/[file]/route.ts).
 *
 * Built from next.config.ts, so every `next build` and `next dev` makes it: the bundle can never be
 * missing from, or older than, the app that serves it.
 */
import { mkdirSync } from "node:fs";
import path from "node:path";

export const AGENT_BUNDLE_FILE = path.join("dist", "agent", "nc-agent.mjs");

export async function buildAgentBundle(root: string): Promise<string> {
  // Loaded only when building: esbuild is a build tool, and a production server starts without it.
  const { build } = await import("esbuild");
  const outfile = path.join(root, AGENT_BUNDLE_FILE);
  mkdirSync(path.dirname(outfile), { recursive: true });
  await build({
    entryPoints: [path.join(root, "lib", "agent", "cli.ts")],
    outfile,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node18",
    banner: { js: "#!/usr/bin/env node" },
    legalComments: "none",
    logLevel: "error",
  });
  return outfile;
}
