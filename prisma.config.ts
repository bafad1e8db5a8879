import { defineConfig } from "prisma/config";
import { migrationAdapter } from "./lib/db/migration-adapter";

export default defineConfig({
  experimental: { adapter: true },
  engine: "js",
  schema: "prisma/schema.prisma",
  // Separate fields, not a connection string: otherwise the adapter's shadow database silently
  // points back at the main one. Scripts with a function body are sent whole (migration-adapter.ts).
  adapter: async () => migrationAdapter(process.env.DATABASE_URL),
});
