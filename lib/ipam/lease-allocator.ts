/**
 * IP leases. Uniqueness is the database's: (networkId, address) is a unique key. Allocation runs
 * under a per-network advisory lock, so replicas never race, and finds the lowest free address
 * with one indexed probe from the network's cursor instead of scanning every lease: in one round
 * trip, by the SQL function nc_lease_first_free (prisma/migrations/20261127120000_lease_first_free).
 * Enrollment claims its address in a statement of its own (claimLease) so as not to sign under
 * that lock.
 */
import { RELAXED_COMMIT } from "@/lib/db/relaxed-commit";
import { advisoryLock, transaction, type Tx } from "@/lib/db/client";
import { hotPathPool } from "@/lib/db/pg-pool";
import { onPg, onPrisma, type SqlRunner } from "@/lib/db/sql-runner";
import { AppError } from "@/lib/core/app-error";
import { addressSpace, hostAddresses, leaseNumberOf, type AddressSpace, type NetworkRanges } from "./address-space";

/**
 * The lease number and the host's addresses (lib/ipam/address-space.ts): `ip`/`ipWithPrefix` the
 * primary one (IPv4, or IPv6 on an IPv6-only network), `ip6WithPrefix` the IPv6 one if any. A
 * dual-stack host's IPv6 address is derived from its IPv4 lease, so the lease's uniqueness covers
 * it and nothing is scanned.
 */
export interface LeaseResult {
  address: number;
  ip: string;
  /** The primary address with the network's prefix, as certificates want it. */
  ipWithPrefix: string;
  ip6WithPrefix: string | null;
}

function result(address: number, space: AddressSpace): LeaseResult {
  const { ip, ipWithPrefix, ip6WithPrefix } = hostAddresses(space, address);
  return { address, ip, ipWithPrefix, ip6WithPrefix };
}

/**
 * One round trip before a static address is leased: frees quarantined addresses whose
 * certificates have expired, lowering the stored cursor to them (so that the next allocation finds
 * them, as nc_lease_first_free's own freeing does), and returns the reserved ranges and the space.
 */
async function preamble(sql: SqlRunner, networkId: string): Promise<{ reserved: Array<{ start: number; end: number }>; space: AddressSpace }> {
  const rows = await sql.rows<{ reserved: Array<[number, number]>; cidr: string | null; cidr6: string | null }>(
    `WITH freed AS (
       DELETE FROM "Lease" WHERE "networkId" = $1::uuid AND "nodeId" IS NULL AND "quarantinedUntil" < now()
       RETURNING "address"
     ), lowered AS (
       UPDATE "Network" SET "leaseCursor" = LEAST("leaseCursor", (SELECT min("address") FROM freed))
       WHERE id = $1::uuid AND EXISTS (SELECT 1 FROM freed)
     )
     SELECT COALESCE((SELECT json_agg(json_build_array(r."start", r."end") ORDER BY r."start") FROM "ReservedRange" r WHERE r."networkId" = n.id), '[]'::json) AS reserved,
            n."cidr", n."cidr6"
     FROM "Network" n WHERE n.id = $1::uuid`,
    [networkId],
  );
  const row = rows[0];
  if (!row) throw new AppError("not_found", "Network not found");
  return { reserved: row.reserved.map(([start, end]) => ({ start: Number(start), end: Number(end) })), space: addressSpace(row) };
}

/**
 * Leases the network's lowest free host address in one statement, under the network's lease lock
 * (taken by the function, held until the statement's transaction ends). `relaxed` commits without
 * waiting for the disk: see claimLease.
 */
async function leaseFirstFree(sql: SqlRunner, network: { id: string } & NetworkRanges, holder: LeaseHolder, relaxed = false): Promise<ClaimedLease> {
  const rows = await sql.rows<FirstFreeRow>(relaxed ? FIRST_FREE_RELAXED : FIRST_FREE, [
    network.id,
    "nodeId" in holder ? holder.nodeId : null,
    "claimSeconds" in holder ? holder.claimSeconds : null,
  ]);
  if (!rows[0]) throw new AppError("not_found", "Network not found");
  return leaseFromRow(network, rows[0]);
}

/** What nc_lease_first_free answers: the lease, or nulls when the network's range is full. */
export interface FirstFreeRow {
  leaseId: string | null;
  address: string | number | null;
}

/** The lease an nc_lease_first_free call made (here, or in a statement of the caller's: enrollment's preflight). */
export function leaseFromRow(network: NetworkRanges, row: FirstFreeRow): ClaimedLease {
  const space = addressSpace(network);
  if (row.leaseId === null || row.address === null) throw new AppError("conflict", `No free addresses left in ${space.index.text}`);
  return { ...result(Number(row.address), space), leaseId: row.leaseId };
}

const FIRST_FREE = `SELECT f.lease_id::text AS "leaseId", f.address FROM nc_lease_first_free($1::uuid, $2::uuid, $3::int) f`;
/** The same call, its (implicit) transaction committing without waiting for the disk. */
const FIRST_FREE_RELAXED = `WITH ${RELAXED_COMMIT} ${FIRST_FREE.replace(" FROM ", " FROM relaxed, ")}`;

/** Validates a requested static address: inside the range, a host address, not reserved. */
function checkStatic(ip: string, space: AddressSpace, reserved: Array<{ start: number; end: number }>, field = "ip"): number {
  const bad = (message: string) => new AppError("validation_failed", "Some fields are not valid", { [field]: [message] });
  const cidr = space.index;
  const address = leaseNumberOf(space, ip.trim());
  if (address === null) {
    if (space.v4) throw bad("Enter an IPv4 address");
    throw bad(ipaddrLike(ip) ? `${ip} is outside ${cidr.text}` : "Enter an IPv6 address");
  }
  if (address < cidr.start || address > cidr.end) throw bad(`${ip} is outside ${cidr.text}`);
  if (address === cidr.start || address === cidr.end) {
    throw bad(space.v4 ? `${ip} is the network's ${address === cidr.start ? "network" : "broadcast"} address` : `${ip} is the range's ${address === cidr.start ? "first (subnet-router anycast)" : "last"} address`);
  }
  if (reserved.some((r) => address >= r.start && address <= r.end)) throw bad(`${ip} is in a reserved range`);
  return address;
}

/** Whether the text looks like an IPv6 address at all (so "outside the range" is the right complaint). */
function ipaddrLike(ip: string): boolean {
  return /^[0-9a-fA-F:]+$/.test(ip.trim()) && ip.includes(":");
}

function leaseTaken(ip: string, lease: { nodeId: string | null }, field = "ip"): AppError {
  return new AppError("validation_failed", "Some fields are not valid", {
    [field]: [lease.nodeId ? `${ip} is already leased` : `${ip} is held until its old certificate expires`],
  });
}

/**
 * Checks, without leasing it, that a static address could be leased now, and returns it in
 * canonical form. Join links use it so that a fixed address that can never work is refused when
 * the link is made, not when the host enrolls; the enrollment's own lease still decides a race.
 */
export async function checkStaticAddress(tx: Tx, network: { id: string } & NetworkRanges, ip: string, field: string): Promise<string> {
  const space = addressSpace(network);
  const reserved = await tx.reservedRange.findMany({ where: { networkId: network.id }, select: { start: true, end: true } });
  const address = checkStatic(ip, space, reserved.map((r) => ({ start: Number(r.start), end: Number(r.end) })), field);
  const taken = await tx.lease.findUnique({ where: { networkId_address: { networkId: network.id, address: BigInt(address) } } });
  // A quarantine that has run out is freed by the next allocation (preamble): it does not count.
  const lapsed = taken?.nodeId === null && taken.quarantinedUntil !== null && taken.quarantinedUntil <= new Date();
  if (taken && !lapsed) throw leaseTaken(ip, taken, field);
  return hostAddresses(space, address).ip;
}

export async function allocateLease(tx: Tx, network: { id: string } & NetworkRanges, nodeId: string, requestedIp?: string | null): Promise<LeaseResult> {
  if (!requestedIp) return leaseFirstFree(onPrisma(tx), network, { nodeId });
  await advisoryLock(tx, leaseLockKey(network.id));
  return leaseRequested(onPrisma(tx), network, requestedIp, { nodeId });
}

/** Every allocation and release of a network's addresses is serialised on this advisory lock (nc_lease_first_free takes it too). */
const leaseLockKey = (networkId: string) => `leases:${networkId}`;

/** How long a claimed address waits for its enrollment to commit; past that, allocations take it back. */
export const CLAIM_SECONDS = 300;

export interface ClaimedLease extends LeaseResult {
  leaseId: string;
}

/**
 * Claims an address in a short transaction of its own (one statement, unless a static address is
 * asked for), so that an enrollment can sign its certificate without holding the network's lease
 * lock. The claim is a lease without a node, held for CLAIM_SECONDS (longer than an enrollment may
 * take) like a quarantined address.
 * Enrollment's write gives it to the node (lib/enroll/enroll-statements.ts), releaseClaimedLease
 * returns it when the enrollment fails, and if the process dies in between, the first allocation
 * after it expires takes it back (preamble). It runs on the plain pg pool: through Prisma its
 * statements cost more than the rest of the enrollment's database work.
 */
export async function claimLease(network: { id: string } & NetworkRanges, requestedIp?: string | null): Promise<ClaimedLease> {
  // No wait for the disk: the claim matters only if the enrollment commits, and that commit's
  // flush writes the claim's (earlier) WAL too. Lost in a crash, it was never used.
  if (!requestedIp) return leaseFirstFree(onPg(hotPathPool()), network, { claimSeconds: CLAIM_SECONDS }, true);
  const client = await hotPathPool().connect();
  let broken: unknown = undefined;
  try {
    await client.query("BEGIN");
    try {
      await client.query(`SELECT set_config('synchronous_commit', 'off', true), pg_advisory_xact_lock(hashtextextended($1, 0))`, [leaseLockKey(network.id)]);
      const claimed = await leaseRequested(onPg(client), network, requestedIp, { claimSeconds: CLAIM_SECONDS });
      await client.query("COMMIT");
      return claimed;
    } catch (error) {
      await client.query("ROLLBACK").catch((rollbackError: unknown) => (broken = rollbackError));
      throw error;
    }
  } finally {
    // A connection whose rollback failed is in an unknown state: the pool drops it.
    client.release(broken instanceof Error ? broken : undefined);
  }
}

/** Returns a claimed address at once, and lowers the cursor to it, so that no address is lost. */
export async function releaseClaimedLease(networkId: string, leaseId: string): Promise<void> {
  await transaction(async (tx) => {
    await advisoryLock(tx, leaseLockKey(networkId));
    await tx.$executeRaw`
      WITH freed AS (DELETE FROM "Lease" WHERE id = ${leaseId}::uuid AND "nodeId" IS NULL RETURNING "address")
      UPDATE "Network" SET "leaseCursor" = LEAST("leaseCursor", (SELECT "address" FROM freed))
      WHERE id = ${networkId}::uuid AND EXISTS (SELECT 1 FROM freed)`;
  });
}

/** For a node now, or as a claim held for `claimSeconds`. */
type LeaseHolder = { nodeId: string } | { claimSeconds: number };

/** Leases a requested (static) address; the caller holds the network's lease lock. */
async function leaseRequested(sql: SqlRunner, network: { id: string }, requestedIp: string, holder: LeaseHolder): Promise<ClaimedLease> {
  // The ranges are read here, under the lock.
  const { reserved, space } = await preamble(sql, network.id);
  const nodeId = "nodeId" in holder ? holder.nodeId : null;
  const heldSeconds = "claimSeconds" in holder ? holder.claimSeconds : null;
  const address = checkStatic(requestedIp, space, reserved);
  const [taken] = await sql.rows<{ nodeId: string | null }>(`SELECT "nodeId" FROM "Lease" WHERE "networkId" = $1::uuid AND "address" = $2::bigint`, [network.id, address]);
  if (taken) throw leaseTaken(requestedIp, taken);
  const [lease] = await sql.rows<{ id: string }>(
    `INSERT INTO "Lease" ("id", "networkId", "address", "nodeId", "quarantinedUntil", "createdAt")
     VALUES (gen_random_uuid(), $1::uuid, $2::bigint, $3::uuid, CASE WHEN $4::int IS NULL THEN NULL ELSE now() + make_interval(secs => $4::int) END, now())
     RETURNING id::text AS id`,
    [network.id, address, nodeId, heldSeconds],
  );
  return { ...result(address, space), leaseId: lease!.id };
}

/**
 * Gives a node's address back. While a still-valid, unrevoked certificate names it, the address is
 * held (quarantined) until that certificate expires, so it is never handed to another node.
 */
export async function releaseLease(tx: Tx, networkId: string, nodeId: string, holdUntil: Date | null): Promise<void> {
  const lease = await tx.lease.findUnique({ where: { nodeId } });
  if (!lease) return;
  await advisoryLock(tx, leaseLockKey(networkId));
  if (holdUntil && holdUntil > new Date()) {
    await tx.lease.update({ where: { id: lease.id }, data: { nodeId: null, quarantinedUntil: holdUntil } });
    return;
  }
  await tx.lease.delete({ where: { id: lease.id } });
  await tx.$executeRaw`UPDATE "Network" SET "leaseCursor" = LEAST("leaseCursor", ${lease.address}) WHERE id = ${networkId}::uuid`;
}
