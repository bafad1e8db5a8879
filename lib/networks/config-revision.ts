import type { Tx } from "@/lib/db/client";

/** Marks every node's rendered config as possibly stale; agents notice on their next poll. */
export async function bumpConfigRevision(tx: Tx, networkId: string): Promise<void> {
  await tx.network.update({ where: { id: networkId }, data: { configRevision: { increment: 1 } } });
}
