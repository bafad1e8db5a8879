/**
 * Connection settings for node-postgres, from a postgres:// URL. Parsed by pg-connection-string
 * (node-postgres' own parser), so TLS parameters (sslmode, sslrootcert, sslcert, sslkey) and
 * options such as application_name reach every runtime connection, not only host and password.
 * Separate fields rather than a connection string, because Prisma's adapter otherwise points its
 * shadow database back at the main one (shared/reference/environment.md).
 */
import { parse } from "pg-connection-string";

export interface PgConfig {
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
  ssl?: boolean | Record<string, unknown>;
  application_name?: string;
  options?: string;
}

export function pgConfigFromUrl(url: string | undefined): PgConfig {
  if (!url) throw new Error("DATABASE_URL is not set");
  const protocol = url.slice(0, url.indexOf(":"));
  if (protocol !== "postgres" && protocol !== "postgresql") throw new Error("DATABASE_URL must be a postgres:// URL");
  const c = parse(url);
  return {
    host: c.host || "localhost",
    port: c.port ? Number(c.port) : 5432,
    user: c.user ?? "",
    password: c.password ?? "",
    database: c.database ?? "",
    ...(c.ssl !== undefined ? { ssl: c.ssl as boolean | Record<string, unknown> } : {}),
    ...(c.application_name ? { application_name: c.application_name } : {}),
    ...(c.options ? { options: c.options } : {}),
  };
}
