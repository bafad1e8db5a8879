/** Connection fields for node-postgres, parsed from a postgres:// URL. */
export interface PgConfig {
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
}

export function pgConfigFromUrl(url: string | undefined): PgConfig {
  if (!url) throw new Error("DATABASE_URL is not set");
  const u = new URL(url);
  if (u.protocol !== "postgres:" && u.protocol !== "postgresql:") {
    throw new Error("DATABASE_URL must be a postgres:// URL");
  }
  return {
    host: decodeURIComponent(u.hostname) || "localhost",
    port: u.port ? Number(u.port) : 5432,
    user: decodeURIComponent(u.username),
    password: decodeURIComponent(u.password),
    database: decodeURIComponent(u.pathname.replace(/^\//, "")),
  };
}
