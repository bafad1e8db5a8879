/**
 * Master-key rotation: re-seals every CA key (and webhook signing secret) under the current NC_MASTER_KEY. Run with the new
 * key in NC_MASTER_KEY and the old one(s) in NC_MASTER_KEY_PREVIOUS; afterwards the old key can go.
 */
import { advisoryLock, advisoryLockShared, transaction, type Tx } from "@/lib/db/client";
import { recordAudit } from "@/lib/audit/record-audit";
import { caKeyAad } from "./certificate-authority";
import { decryptSecret, encryptSecret, keyIdOf, masterKeysFromEnv } from "./secret-box";

/** Taken exclusively by a rotation and shared by every transaction that inserts a CA. */
export const CA_KEYS_LOCK = "pki:ca-keys";

/**
 * Every transaction that inserts a CA takes this first. A rotation then waits for CA inserts
 * already under way to commit, so its scan sees them, and inserts that come later wait for it.
 * Without it, a CA committed by another replica after the scan stays sealed under the old key.
 */
export async function lockOutRotation(tx: Tx): Promise<void> {
  await advisoryLockShared(tx, CA_KEYS_LOCK);
}

export async function rotateMasterKey(env: NodeJS.ProcessEnv = process.env): Promise<{ resealed: number; alreadyCurrent: number }> {
  const keys = masterKeysFromEnv(env);
  return transaction(async (tx) => {
    // Exclusive: CA inserts in flight commit first (and are seen below), later ones wait for this commit.
    await advisoryLock(tx, CA_KEYS_LOCK);
    const rows = await tx.$queryRaw<Array<{ id: string; keyCiphertext: string }>>`SELECT id, "keyCiphertext" FROM "Ca" FOR UPDATE`;
    let resealed = 0;
    for (const row of rows) {
      if (keyIdOf(row.keyCiphertext) === keys.current.id) continue;
      const plain = decryptSecret(row.keyCiphertext, caKeyAad(row.id), keys.all);
      await tx.ca.update({ where: { id: row.id }, data: { keyCiphertext: encryptSecret(plain, caKeyAad(row.id), keys.current) } });
      resealed++;
    }
    // Webhook signing secrets are sealed in the same box (lib/webhooks/deliver.ts, bound to "webhook:<id>"):
    // left under the old key, every delivery would fail once it is dropped.
    const hooks = await tx.$queryRaw<Array<{ id: string; secretCiphertext: string }>>`SELECT id::text, "secretCiphertext" FROM "WebhookEndpoint" FOR UPDATE`;
    for (const hook of hooks) {
      if (keyIdOf(hook.secretCiphertext) === keys.current.id) continue;
      const plain = decryptSecret(hook.secretCiphertext, `webhook:${hook.id}`, keys.all);
      await tx.webhookEndpoint.update({ where: { id: hook.id }, data: { secretCiphertext: encryptSecret(plain, `webhook:${hook.id}`, keys.current) } });
    }
    await recordAudit(tx, {
      actor: { id: null, displayName: "system" },
      action: "pki.master-key-rotate",
      target: { type: "master-key", id: keys.current.id },
      after: { resealed, keyId: keys.current.id },
    });
    return { resealed, alreadyCurrent: rows.length - resealed };
  }, { timeout: 10 * 60_000 });
}
