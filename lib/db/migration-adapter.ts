/**
 * The driver adapter `prisma migrate` applies migrations through (prisma.config.ts).
 *
 * @prisma/adapter-pg runs a migration script by cutting it at every ";" and sending the pieces one
 * by one (PrismaPgAdapter.executeScript). That breaks any statement with a semicolon inside it, such
 * as a PL/pgSQL function's body. A script holding a dollar-quoted body ("$$") is therefore sent
 * whole, as one simple-protocol query, the way psql sends a file; Postgres runs it as one implicit
 * transaction. Every other script is applied exactly as before, piece by piece, so migrations
 * written for the adapter's way (an enum value added and then used, say) behave as they always did.
 */
import { PrismaPg } from "@prisma/adapter-pg";
import type pg from "pg";
import { pgConfigFromUrl } from "./pg-config";

type Adapter = Awaited<ReturnType<PrismaPg["connect"]>>;

export function migrationAdapter(url: string | undefined): PrismaPg {
  const factory = new PrismaPg(pgConfigFromUrl(url));
  const connect = factory.connect.bind(factory);
  const connectToShadowDb = factory.connectToShadowDb.bind(factory);
  factory.connect = async () => sendingDollarQuotedScriptsWhole(await connect());
  factory.connectToShadowDb = async () => sendingDollarQuotedScriptsWhole(await connectToShadowDb());
  return factory;
}

function sendingDollarQuotedScriptsWhole(adapter: Adapter): Adapter {
  const inPieces = adapter.executeScript.bind(adapter);
  adapter.executeScript = async (script: string) => {
    if (!script.includes("$$")) return inPieces(script);
    try {
      await (adapter.underlyingDriver() as pg.Pool).query(script);
    } catch (error) {
      // The adapter's own mapping, so that Prisma reports the failure as it reports any other.
      (adapter as unknown as { onError(error: unknown): never }).onError(error);
    }
  };
  return adapter;
}
