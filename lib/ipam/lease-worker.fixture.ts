/**
 * Test fixture: one separate app process allocating leases concurrently. Two of these run against
 * one database in lease-allocator.int.test.ts. Prints the allocated addresses as JSON.
 *   tsx lib/ipam/lease-worker.fixture.ts <networkId> <count> <prefix>
 */
import { transaction, db } from "@/lib/db/client";
import { allocateLease } from "./lease-allocator";

const [networkId, countText, prefix] = process.argv.slice(2);
const network = await db.network.findUniqueOrThrow({ where: { id: networkId! }, select: { id: true, cidr: true, cidr6: true } });
const results = await Promise.allSettled(
  Array.from({ length: Number(countText) }, (_, i) =>
    transaction(async (tx) => {
      const node = await tx.node.create({ data: { networkId: network.id, name: `${prefix}-${i}`, endpoints: [] } });
      return (await allocateLease(tx, network, node.id)).ip;
    }),
  ),
);
const ips = results.filter((r) => r.status === "fulfilled").map((r) => (r as PromiseFulfilledResult<string>).value);
const errors = results.filter((r) => r.status === "rejected").map((r) => String((r as PromiseRejectedResult).reason).slice(0, 200));
console.log(JSON.stringify({ ips, errors }));
await db.$disconnect();
