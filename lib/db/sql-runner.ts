/**
 * One statement with $1… parameters, on whichever connection should run it: a Prisma transaction
 * (when the statement is one write among others of the caller's), or a plain pg connection or
 * pool (the hot paths: enrollment's read, claim and write, where Prisma's own work per statement
 * cost more than Postgres's). Callers cast text results they compare (pg gives bigint as text).
 */
import { createHash } from "node:crypto";
import type pg from "pg";
import type { Tx } from "./client";
import { Prisma } from "@/lib/generated/prisma/client";

export interface SqlRunner {
  rows<T>(text: string, values: unknown[]): Promise<T[]>;
}

export function onPrisma(tx: Pick<Tx, "$queryRawUnsafe">): SqlRunner {
  return { rows: <T>(text: string, values: unknown[]) => tx.$queryRawUnsafe<T[]>(text, ...values) };
}

/**
 * A pool (each statement on its own connection, autocommitted) or a client holding a transaction.
 * Statements run as named (prepared) ones: each connection parses and analyses a statement once,
 * and Postgres may then keep its plan. Enrollment's statements are long CTEs whose parse and plan
 * cost about as much as their execution.
 */
export function onPg(client: pg.Pool | pg.PoolClient): SqlRunner {
  return {
    rows: async <T>(text: string, values: unknown[]) => {
      const name = statementName(text);
      return (await client.query(name ? { name, text, values } : { text, values })).rows as T[];
    },
  };
}

const names = new Map<string, string>();
/** Texts are code, not data, so there are a few dozen; past this, a caller is building texts from data, and they go unnamed rather than fill every connection. */
const MAX_NAMED = 200;

/** A name per distinct text (pg refuses one name for two texts on a connection), or none past MAX_NAMED. */
function statementName(text: string): string | undefined {
  let name = names.get(text);
  if (!name && names.size < MAX_NAMED) {
    name = `nc-${createHash("sha256").update(text).digest("hex").slice(0, 24)}`;
    names.set(text, name);
  }
  return name;
}

/** A unique key refused a statement, on either runner: pg passes Postgres's code, Prisma wraps it. */
export function isUniqueViolation(error: unknown): boolean {
  // node-postgres hands Postgres's own error code through.
  if (error instanceof Error && (error as { code?: unknown }).code === "23505") return true;
  if (!(error instanceof Prisma.PrismaClientKnownRequestError)) return false;
  if (error.code === "P2002") return true;
  const cause = (error.meta as { driverAdapterError?: { cause?: { kind?: string; originalCode?: string } } } | undefined)?.driverAdapterError?.cause;
  return cause?.kind === "UniqueConstraintViolation" || cause?.originalCode === "23505";
}
