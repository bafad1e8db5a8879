/**
 * IP allocation into a /16: latency of `allocateLease` (inside `transaction`, after creating the
 * node row, as the app does) at 1k, 10k and 60k existing leases. The leases up to each size are
 * bulk-inserted with SQL, so only the timed allocations go through the app's code.
 */
import { db, transaction } from "@/lib/db/client";
import { parseNetworkCidr, type Ipv4Cidr } from "@/lib/ipam/cidr";
import { allocateLease } from "@/lib/ipam/lease-allocator";
import { Deadline, formatMs, formatRatio, summarize, timeAsync, type Summary } from "./measure";
import { printReport } from "./table";

const CIDR = "10.60.0.0/16";
const SIZES = [1_000, 10_000, 60_000];
const ALLOCATIONS_PER_SIZE = 300;
const WARMUP_ROUNDS = 20;
const STAGE_BUDGET_MS = 30_000;

interface BenchNetwork {
  id: string;
  cidr: string;
  cidr6: null;
  range: Ipv4Cidr;
}

interface StageResult {
  existingLeases: number;
  allocate: Summary;
  wholeTransaction: Summary;
  /** transaction(SELECT 1), sampled alternately with the allocations. */
  baseline: Summary;
  prefillSeconds: number;
}

export async function run(): Promise<void> {
  const network = await createNetwork();
  await warmUp(network);
  const stages: StageResult[] = [];
  for (const size of SIZES) {
    const prefillSeconds = (await timeAsync(() => prefillTo(network, size))) / 1000;
    stages.push({ existingLeases: size, prefillSeconds, ...(await measureStage(network, `at-${size}`)) });
  }
  report(stages);
  // The network (60k nodes and leases) is left in place: the bench database is thrown away with
  // .data/bench on the next run, and a cascading delete would only add time.
}

async function createNetwork(): Promise<BenchNetwork> {
  const parsed = parseNetworkCidr(CIDR);
  if (!parsed.ok) throw new Error(parsed.error);
  const row = await db.network.create({ data: { name: `bench-ip-allocation-${Date.now()}`, cidr: CIDR } });
  return { id: row.id, cidr: CIDR, cidr6: null, range: parsed.cidr };
}

/** One allocation the way node creation does it: the node row first, then its lease, in one transaction. */
async function allocateOnce(network: BenchNetwork, nodeName: string): Promise<{ allocateMs: number; transactionMs: number }> {
  let allocateMs = 0;
  const transactionMs = await timeAsync(() =>
    transaction(async (tx) => {
      const node = await tx.node.create({ data: { networkId: network.id, name: nodeName, endpoints: [] } });
      allocateMs = await timeAsync(() => allocateLease(tx, network, node.id));
    }),
  );
  return { allocateMs, transactionMs };
}

/** The first calls pay for connecting the pool and preparing statements; that is not what we measure. */
async function warmUp(network: BenchNetwork): Promise<void> {
  for (let i = 0; i < WARMUP_ROUNDS; i++) {
    await trivialTransaction();
    await allocateOnce(network, `warmup-${i}`);
  }
}

function trivialTransaction(): Promise<unknown> {
  return transaction((tx) => tx.$queryRaw`SELECT 1`);
}

/**
 * Allocations at the current size, each followed by one baseline transaction: on a shared machine
 * both then see the same load, so the baseline column says how much of a slow figure is the machine.
 */
async function measureStage(network: BenchNetwork, label: string): Promise<Pick<StageResult, "allocate" | "wholeTransaction" | "baseline">> {
  const allocate: number[] = [];
  const wholeTransaction: number[] = [];
  const baseline: number[] = [];
  const deadline = new Deadline(STAGE_BUDGET_MS);
  for (let i = 0; i < ALLOCATIONS_PER_SIZE && !deadline.passed; i++) {
    const sample = await allocateOnce(network, `${label}-${i}`);
    allocate.push(sample.allocateMs);
    wholeTransaction.push(sample.transactionMs);
    baseline.push(await timeAsync(trivialTransaction));
  }
  return { allocate: summarize(allocate), wholeTransaction: summarize(wholeTransaction), baseline: summarize(baseline) };
}

/**
 * Brings the network to `size` leases with one bulk insert of nodes and one of leases. Every
 * allocation so far was sequential from the first host address, so the leased addresses are
 * contiguous and the new ones simply continue them; the cursor is then set past the last one,
 * as the allocator itself would have left it.
 */
async function prefillTo(network: BenchNetwork, size: number): Promise<void> {
  const leased = await leasedCount(network);
  if (leased >= size) return;
  const firstHost = network.range.start + 1;
  const from = leased; // offsets from the first host address: 0 .. size-1 end up leased
  const to = size - 1;
  // md5(network || offset) gives each bulk node a stable id, so the lease insert can refer to it without a join.
  await db.$executeRaw`
    INSERT INTO "Node" ("id", "networkId", "name", "endpoints", "updatedAt")
    SELECT md5(${network.id}::text || ':' || n)::uuid, ${network.id}::uuid, 'bulk-' || n, '{}', now()
    FROM generate_series(${from}::int, ${to}::int) AS n`;
  await db.$executeRaw`
    INSERT INTO "Lease" ("id", "networkId", "address", "nodeId")
    SELECT gen_random_uuid(), ${network.id}::uuid, ${firstHost}::bigint + n, md5(${network.id}::text || ':' || n)::uuid
    FROM generate_series(${from}::int, ${to}::int) AS n`;
  await db.$executeRaw`UPDATE "Network" SET "leaseCursor" = ${firstHost + size} WHERE "id" = ${network.id}::uuid`;
  // A live database would have auto-analyzed after growing this much; without it the planner
  // would work from the statistics of a near-empty table, which no real deployment sees.
  await db.$executeRaw`ANALYZE "Lease"`;
  await db.$executeRaw`ANALYZE "Node"`;
}

/** The number of leases, after checking that they form one contiguous run from the first host address. */
async function leasedCount(network: BenchNetwork): Promise<number> {
  const rows = await db.$queryRaw<Array<{ count: bigint; highest: bigint | null }>>`
    SELECT count(*) AS count, max("address") AS highest FROM "Lease" WHERE "networkId" = ${network.id}::uuid`;
  const count = Number(rows[0]?.count ?? 0n);
  const highest = rows[0]?.highest;
  if (count > 0 && Number(highest) !== network.range.start + count) {
    throw new Error(`the bench's leases are not contiguous (${count} leases, highest ${highest}); the pre-fill would collide`);
  }
  return count;
}

function report(stages: StageResult[]): void {
  const first = stages[0];
  const last = stages[stages.length - 1];
  printReport({
    title: `IP allocation into a /16 (${CIDR})`,
    goal: "flat as the network fills; allocateLease p99 < 5 ms at 60k leases",
    columns: ["existing leases", "samples", "allocateLease p50", "allocateLease p99", "whole txn p50", "whole txn p99", "baseline p50", "baseline p99"],
    rows: stages.map((s) => [
      s.existingLeases.toLocaleString("en-US"),
      String(s.allocate.count),
      formatMs(s.allocate.p50),
      formatMs(s.allocate.p99),
      formatMs(s.wholeTransaction.p50),
      formatMs(s.wholeTransaction.p99),
      formatMs(s.baseline.p50),
      formatMs(s.baseline.p99),
    ]),
    notes: [
      "whole txn = transaction() with the node row insert, allocateLease and the commit",
      "baseline = transaction(tx => tx.$queryRaw`SELECT 1`), one after each allocation, so both see the same load",
      first && last ? `allocateLease p99 at ${last.existingLeases.toLocaleString("en-US")} is ${formatRatio(last.allocate.p99 / first.allocate.p99)} of its p99 at ${first.existingLeases.toLocaleString("en-US")}` : "no stage ran",
      `bulk pre-fill (not timed as allocations): ${stages.map((s) => `${s.prefillSeconds.toFixed(1)} s to ${s.existingLeases.toLocaleString("en-US")}`).join(", ")}`,
    ],
  });
}
