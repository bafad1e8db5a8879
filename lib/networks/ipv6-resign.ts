/**
 * An IPv6 range added to an existing network (network-service.ts updateNetwork): every active host
 * whose live certificate carries no IPv6 address is re-signed with its stored public key, so that
 * its next poll brings a certificate with both addresses and nobody touches the host. The same
 * bounded batches as a CA rotation's re-signing (lib/pki/ca-rotation.ts resignAll): one transaction
 * per batch, each one config revision and one audit event, so a nebula-cert failure undoes only its
 * batch and a large network is never re-signed in one long transaction.
 *
 * The IPv4-only certificate a host had stays unrevoked (keepSuperseded): it grants nothing its
 * successor does not (same name, IPv4 address, groups and key), and blocklisting it would cut the
 * host off from every peer that applies the new blocklist before the host applies its new
 * certificate. It ends with its own lifetime, or is revoked at the node's next re-sign or renewal.
 */
import { db, transaction, type Tx } from "@/lib/db/client";
import type { RequestMeta } from "@/lib/core/request-meta";
import { recordAudit, type AuditActor } from "@/lib/audit/record-audit";
import { activeCaWithKey } from "@/lib/pki/certificate-service";
import { RESIGN_BATCH, RESIGN_PER_REQUEST } from "@/lib/pki/ca-rotation";
import { signNodeAsStored } from "@/lib/nodes/node-service";
import { bumpConfigRevision } from "./config-revision";

/** Active hosts with an address whose newest unrevoked certificate has no IPv6 network. */
function hostsWithoutIpv6(tx: Pick<Tx, "$queryRaw">, networkId: string, limit: number) {
  // FOR UPDATE: a concurrent node change (which re-signs too) waits for this batch, then signs
  // after it from the committed state, so the newest certificate always matches the node row.
  return tx.$queryRaw<Array<{ id: string; name: string; publicKeyPem: string }>>`
    SELECT n.id::text, n.name, live."publicKeyPem" FROM "Node" n
    JOIN LATERAL (SELECT "publicKeyPem", ip6 FROM "Certificate" WHERE "nodeId" = n.id AND "revokedAt" IS NULL ORDER BY "createdAt" DESC LIMIT 1) live ON true
    WHERE n."networkId" = ${networkId}::uuid AND n.status = 'active' AND live.ip6 IS NULL
      AND EXISTS (SELECT 1 FROM "Lease" l WHERE l."nodeId" = n.id)
    ORDER BY n.name LIMIT ${limit} FOR UPDATE OF n`;
}

export async function countHostsWithoutIpv6(networkId: string): Promise<number> {
  const [row] = await db.$queryRaw<Array<{ count: number }>>`
    SELECT count(*)::int AS count FROM "Node" n
    JOIN LATERAL (SELECT ip6 FROM "Certificate" WHERE "nodeId" = n.id AND "revokedAt" IS NULL ORDER BY "createdAt" DESC LIMIT 1) live ON true
    WHERE n."networkId" = ${networkId}::uuid AND n.status = 'active' AND live.ip6 IS NULL
      AND EXISTS (SELECT 1 FROM "Lease" l WHERE l."nodeId" = n.id)`;
  return row?.count ?? 0;
}

/**
 * Re-signs up to RESIGN_PER_REQUEST hosts of a dual-stack network that lack their IPv6 address;
 * `remaining` says how many are left (setting the same range again continues).
 */
export async function resignHostsForIpv6(actor: AuditActor, networkId: string, meta: RequestMeta): Promise<{ resigned: number; remaining: number }> {
  let resigned = 0;
  while (resigned < RESIGN_PER_REQUEST) {
    const batch = await transaction(
      async (tx) => {
        const nodes = await hostsWithoutIpv6(tx, networkId, Math.min(RESIGN_BATCH, RESIGN_PER_REQUEST - resigned));
        if (nodes.length === 0) return nodes;
        const ca = await activeCaWithKey(tx, networkId);
        for (const node of nodes) {
          await signNodeAsStored(tx, networkId, node.id, node.publicKeyPem, undefined, { ca, keepSuperseded: true });
        }
        // Hosts hear of it on their next poll (held polls wake at commit): a new certificate means a restart.
        await bumpConfigRevision(tx, networkId);
        await recordAudit(tx, { actor, action: "network.ipv6.resign", networkId, target: { type: "network", id: networkId }, after: { resigned: nodes.map((n) => n.name) }, meta });
        return nodes;
      },
      { timeout: 5 * 60_000 },
    );
    resigned += batch.length;
    if (batch.length === 0) break;
  }
  return { resigned, remaining: await countHostsWithoutIpv6(networkId) };
}
