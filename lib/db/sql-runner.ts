/**
 * One statement with $1… parameters, on whichever connection should run it: a Prisma transaction
 * (when the statement is one write among others of the caller's), or a plain pg connection or
 * pool (the hot paths: enrollment's read, claim and write, where Prisma's own work per statement
 * cost more than Postgres's). Callers cast text results they compare (pg gives bigint as text).
 */
import type pg from "pg";
import type { Tx } from "./client";

export interface SqlRunner {
  rows<T>(text: string, values: unknown[]): Promise<T[]>;
}

export function onPrisma(tx: Pick<Tx, "$queryRawUnsafe">): SqlRunner {
  return { rows: <T>(text: string, values: unknown[]) => tx.$queryRawUnsafe<T[]>(text, ...values) };
}

/** A pool (each statement on its own connection, autocommitted) or a client holding a transaction. */
export function onPg(client: pg.Pool | pg.PoolClient): SqlRunner {
  return { rows: async <T>(text: string, values: unknown[]) => (await client.query(text, values)).rows as T[] };
}
