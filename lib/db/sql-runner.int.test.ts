import { afterAll, describe, expect, it } from "vitest";
import pg from "pg";
import { pgConfigFromUrl } from "./pg-config";
import { onPg } from "./sql-runner";

describe("statements on the pg runner", () => {
  const pool = new pg.Pool({ ...pgConfigFromUrl(process.env.DATABASE_URL), max: 1 });
  afterAll(() => pool.end());

  const prepared = async (client: pg.PoolClient) =>
    (await client.query<{ statement: string }>(`SELECT statement FROM pg_prepared_statements WHERE name LIKE 'nc-%' ORDER BY statement`)).rows.map((r) => r.statement);

  it("are prepared once per connection and text, and run again by name with new values", async () => {
    const client = await pool.connect();
    try {
      const sql = onPg(client);
      expect(await sql.rows<{ n: number }>("SELECT $1::int + 1 AS n", [1])).toEqual([{ n: 2 }]);
      expect(await sql.rows<{ n: number }>("SELECT $1::int + 1 AS n", [41])).toEqual([{ n: 42 }]);
      expect(await sql.rows<{ s: string }>("SELECT $1::text || '!' AS s", ["hi"])).toEqual([{ s: "hi!" }]);
      expect(await prepared(client)).toEqual(["SELECT $1::int + 1 AS n", "SELECT $1::text || '!' AS s"]);
    } finally {
      client.release();
    }
  });

  it("leaves texts past the cap unnamed, so a caller building texts from data cannot fill a connection", async () => {
    const client = await pool.connect();
    try {
      const sql = onPg(client);
      for (let k = 0; k < 260; k++) expect(await sql.rows<{ n: number }>(`SELECT $1::int + ${k} AS n`, [1])).toEqual([{ n: 1 + k }]);
      expect((await prepared(client)).length).toBe(200);
    } finally {
      client.release();
    }
  });
});
