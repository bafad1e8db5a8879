import type { Tx } from "@/lib/db/client";
import { CONFIG_CHANNEL } from "@/lib/db/config-change-feed";

/**
 * Marks every node's rendered config as possibly stale, and tells every replica so in the same
 * statement: Postgres delivers the NOTIFY when the transaction commits, and never if it rolls back,
 * so long-polling agents wake for changes that happened and only for those.
 */
export async function bumpConfigRevision(tx: Tx, networkId: string): Promise<void> {
  const updated = await tx.$executeRaw`UPDATE "Network" SET "configRevision" = "configRevision" + 1 WHERE id = ${networkId}::uuid
    RETURNING pg_notify(${CONFIG_CHANNEL}, id::text || ':' || "configRevision")`;
  if (updated !== 1) throw new Error(`network ${networkId} does not exist`);
}
