/**
 * Run by bench/replicas.ts in a process of its own, against the compose stack's Postgres
 * (DATABASE_URL and NC_MASTER_KEY given by it): a system admin, a network with its CA and one
 * unlimited join link. Prints {"token": ...} and exits.
 */
import { db } from "@/lib/db/client";
import { benchActor, benchNetwork, joinTokens } from "./app-fixtures";

const actor = await benchActor();
const network = await benchNetwork(actor, `replicas ${Date.now()}`, "10.93.0.0/16");
const [token] = await joinTokens(actor, network, 1);
await db.$disconnect();
process.stdout.write(JSON.stringify({ token }));
