import { defineConfig } from "prisma/config";
import { PrismaPg } from "@prisma/adapter-pg";
import { pgConfigFromUrl } from "./lib/db/pg-config";

export default defineConfig({
  experimental: { adapter: true },
  engine: "js",
  schema: "prisma/schema.prisma",
  // Separate fields, not a connection string: otherwise the adapter's shadow database silently
  // points back at the main one.
  adapter: async () => new PrismaPg(pgConfigFromUrl(process.env.DATABASE_URL)),
});
