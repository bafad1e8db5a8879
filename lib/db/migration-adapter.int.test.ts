/**
 * `prisma migrate` applies migrations through this adapter (prisma.config.ts). A script with a
 * PL/pgSQL body must reach Postgres whole; the adapter as shipped cuts it at every semicolon.
 */
import { randomUUID } from "node:crypto";
import { PrismaPg } from "@prisma/adapter-pg";
import { afterAll, describe, expect, it } from "vitest";
import { db } from "./client";
import { pgConfigFromUrl } from "./pg-config";
import { migrationAdapter } from "./migration-adapter";

const name = `nc_probe_${randomUUID().replaceAll("-", "")}`;
const functionScript = (fn: string, extra = "") => `-- a comment; with a semicolon
CREATE FUNCTION ${fn}(p int) RETURNS int LANGUAGE plpgsql AS $$
DECLARE doubled int;
BEGIN
  doubled := p * 2;
  RETURN doubled;
END
$$;
${extra}`;

const exists = async (fn: string) => (await db.$queryRawUnsafe<Array<{ n: bigint }>>(`SELECT count(*) AS n FROM pg_proc WHERE proname = $1`, fn))[0]!.n > 0n;

afterAll(async () => {
  await db.$executeRawUnsafe(`DROP FUNCTION IF EXISTS ${name}(int)`);
});

describe("migration adapter", () => {
  it("applies a script with a function body whole (the shipped adapter cuts it at each semicolon)", async () => {
    const shipped = await new PrismaPg(pgConfigFromUrl(process.env.DATABASE_URL)).connect();
    await expect(shipped.executeScript(functionScript(`${name}_cut`))).rejects.toThrow();
    await shipped.dispose();
    expect(await exists(`${name}_cut`)).toBe(false);

    const adapter = await migrationAdapter(process.env.DATABASE_URL).connect();
    try {
      await adapter.executeScript(functionScript(name));
      expect(await db.$queryRawUnsafe(`SELECT ${name}(21) AS v`)).toEqual([{ v: 42 }]);
    } finally {
      await adapter.dispose();
    }
  });

  it("reports a failing script and applies none of it", async () => {
    const adapter = await migrationAdapter(process.env.DATABASE_URL).connect();
    try {
      await expect(adapter.executeScript(functionScript(`${name}_half`, "SELECT no_such_column FROM pg_class;"))).rejects.toThrow(/ColumnNotFound/); // the adapter's own error mapping
      expect(await exists(`${name}_half`)).toBe(false);
      // A script without a function body goes statement by statement, as every earlier migration did.
      await adapter.executeScript("SELECT 1; SELECT 2;");
    } finally {
      await adapter.dispose();
    }
  });
});
