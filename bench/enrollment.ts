/**
 * Enrollments per second through POST /api/v1/enroll on the production build, signing included
 * (token check and rate limits, lease, nebula-cert sign, credential, audit, one transaction),
 * one at a time and CONCURRENT at once. Baseline: a raw loop of `nebula-cert sign` with the same
 * binary, flags and count and pre-written files, from a small process of its own (raw-sign-loop.ts
 * says why), at the same concurrency, so the ratio says what the rest of an enrollment costs
 * beside the signature.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { db } from "@/lib/db/client";
import { ENROLL_LIMITS } from "@/lib/enroll/enroll-service";
import { unsealCaKey } from "@/lib/pki/certificate-authority";
import { hostCertHours } from "@/lib/pki/certificate-service";
import { nebulaCert, scratchRoot } from "@/lib/pki/nebula-cert";
import { clampDurationHours } from "@/lib/pki/sign-host";
import { benchApp, APP_HOST } from "./app-server";
import { benchActor, benchNetwork, enrollOverHttp, joinTokens, publicKeys } from "./app-fixtures";
import { HttpClient, StatusCounter } from "./http-client";
import { Deadline, forEachParallel, formatMs, formatRatio, percentile } from "./measure";
import { RawSignLoop, type RawSignJob } from "./raw-sign-loop";
import { printReport } from "./table";
import { metric } from "./replica-metrics";

const ENROLLMENTS_PER_MODE = 100;
const CONCURRENCY = 4;
/** Paths take turns in blocks of one token's worth (the per-token limit), each block on a fresh token. */
const BLOCK = ENROLL_LIMITS.perToken;
const WARMUP = 3;
const BUDGET_PER_MODE_MS = 90_000;
const REQUEST_TIMEOUT_MS = 60_000;
const COMMAND_TIMEOUT_MS = 15_000;
const CIDR = "10.92.0.0/16";

interface Fixture {
  client: HttpClient;
  appPort: number;
  tokens: string[];
  keys: string[];
  /** Pre-written ca.crt, ca.key and host.pub for the raw loop. */
  dir: string;
  rawLoop: RawSignLoop;
  versionText: string;
  current: boolean;
  durationHours: number;
  /** Advances per request, so every enrollment comes from its own X-Forwarded-For address. */
  nextClient: number;
  nextToken: number;
  nextKey: number;
}

interface PathResult {
  label: string;
  count: number;
  ms: number;
  /** Each enrollment's (or signature's) own time, from sending to the answer. */
  latencies: number[];
  statuses: StatusCounter;
  /** Of the app's signatures, how many were made ahead (sign-ahead.ts), by outcome. */
  ahead?: Record<AheadOutcome, number>;
}

const AHEAD_OUTCOMES = ["used", "discarded", "failed"] as const;
type AheadOutcome = (typeof AHEAD_OUTCOMES)[number];

async function aheadCounts(port: number): Promise<Record<AheadOutcome, number>> {
  const values = await Promise.all(AHEAD_OUTCOMES.map((o) => metric(port, `nc_enroll_signed_ahead_total{outcome="${o}"}`)));
  return Object.fromEntries(AHEAD_OUTCOMES.map((o, i) => [o, values[i]!])) as Record<AheadOutcome, number>;
}

interface Mode {
  label: string;
  parallel: number;
}

export async function run(): Promise<void> {
  const modes: Mode[] = [
    { label: "one at a time", parallel: 1 },
    { label: `${CONCURRENCY} at once`, parallel: CONCURRENCY },
  ];
  const fixture = await prepare(modes.length);
  try {
    await warmUp(fixture);
    const results: Array<{ mode: Mode; raw: PathResult; app: PathResult }> = [];
    for (const mode of modes) results.push({ mode, ...(await measureMode(fixture, mode)) });
    report(fixture, results);
  } finally {
    fixture.client.close();
    fixture.rawLoop.close();
    await rm(fixture.dir, { recursive: true, force: true });
  }
}

/** Everything before the clock starts: the app, a network and CA, enough tokens, every public key, the raw loop's files. */
async function prepare(modeCount: number): Promise<Fixture> {
  const app = await benchApp();
  const actor = await benchActor();
  const network = await benchNetwork(actor, "bench-enrollment", CIDR);
  const blocks = modeCount * Math.ceil(ENROLLMENTS_PER_MODE / BLOCK) + 1;
  const tokens = await joinTokens(actor, network, blocks);
  const keys = await publicKeys(modeCount * ENROLLMENTS_PER_MODE + WARMUP);
  const runner = nebulaCert();
  const ca = await db.ca.findFirstOrThrow({ where: { networkId: network.id, state: "current" }, omit: { keyCiphertext: false } });
  // Where the app keeps its signing files too (memory-backed /dev/shm), so both write alike.
  const dir = await mkdtemp(path.join(scratchRoot(), "nc-bench-enroll-"));
  await writeFile(path.join(dir, "ca.crt"), ca.certPem);
  await writeFile(path.join(dir, "ca.key"), unsealCaKey(ca), { mode: 0o600 });
  await writeFile(path.join(dir, "host.pub"), keys[0]!);
  return {
    client: new HttpClient(APP_HOST, app.port, CONCURRENCY, REQUEST_TIMEOUT_MS),
    appPort: app.port,
    tokens,
    keys,
    dir,
    rawLoop: new RawSignLoop(runner.bin, COMMAND_TIMEOUT_MS),
    versionText: (await runner.version()).text,
    current: await runner.supportsV2(),
    // What signHost would ask for with this CA, so both paths sign the same validity.
    durationHours: clampDurationHours(hostCertHours(), ca.notAfter),
    nextClient: 0,
    nextToken: 0,
    nextKey: 0,
  };
}

/** The first enrollments pay for compiling routes, preparing statements and filling pools. */
async function warmUp(f: Fixture): Promise<void> {
  const statuses = new StatusCounter();
  const token = f.tokens[f.nextToken++]!;
  for (let i = 0; i < WARMUP; i++) {
    statuses.add(await enrollOne(f, token, `warmup-${i}`), [201]);
    await f.rawLoop.one(rawSignJob(f, `warmup-${i}`, i));
  }
  if (statuses.unexpected([201])) throw new Error(`warm-up enrollments failed: ${statuses.describe()}`);
}

/** Raw loop and enrollments take turns in blocks of BLOCK, until each has done its count or the budget is spent. */
async function measureMode(f: Fixture, mode: Mode): Promise<{ raw: PathResult; app: PathResult }> {
  const raw: PathResult = { label: `baseline: raw nebula-cert sign loop, ${mode.label}`, count: 0, ms: 0, latencies: [], statuses: new StatusCounter() };
  const app: PathResult = { label: `app: POST /api/v1/enroll, ${mode.label}`, count: 0, ms: 0, latencies: [], statuses: new StatusCounter() };
  const aheadBefore = await aheadCounts(f.appPort);
  const deadline = new Deadline(BUDGET_PER_MODE_MS);
  const prefix = mode.parallel === 1 ? "seq" : `par${mode.parallel}`;
  while (!deadline.passed && app.count < ENROLLMENTS_PER_MODE) {
    const size = Math.min(BLOCK, ENROLLMENTS_PER_MODE - app.count);
    const first = app.count;
    const rawBlock = await f.rawLoop.block(
      Array.from({ length: size }, (_, i) => rawSignJob(f, `${prefix}-${first + i}`, first + i)),
      mode.parallel,
    );
    raw.ms += rawBlock.ms;
    raw.latencies.push(...rawBlock.latencies);
    raw.count += size;
    const token = f.tokens[f.nextToken++]!;
    app.ms += await timed(() =>
      forEachParallel(size, mode.parallel, async (i) => {
        const answer = await enrollOne(f, token, `${prefix}-${first + i}`);
        app.latencies.push(answer.ms);
        app.statuses.add(answer, [201]);
      }),
    );
    app.count += size;
  }
  const aheadAfter = await aheadCounts(f.appPort);
  app.ahead = Object.fromEntries(AHEAD_OUTCOMES.map((o) => [o, aheadAfter[o] - aheadBefore[o]])) as Record<AheadOutcome, number>;
  return { raw, app };
}

async function timed(fn: () => Promise<void>): Promise<number> {
  const started = performance.now();
  await fn();
  return performance.now() - started;
}

function enrollOne(f: Fixture, token: string, hostname: string) {
  const publicKeyPem = f.keys[f.nextKey++]!;
  return enrollOverHttp(f.client, { token, hostname, publicKeyPem, clientIndex: f.nextClient++ }).then((e) => e.answer);
}

/** The flags signHost passes for an enrollment (no preset groups), with files already on disk. */
function rawSignJob(f: Fixture, name: string, index: number): RawSignJob {
  const file = (n: string) => path.join(f.dir, n);
  const args = ["sign", "-ca-crt", file("ca.crt"), "-ca-key", file("ca.key"), "-name", name, "-out-crt", file(`${name}.crt`)];
  args.push(f.current ? "-networks" : "-ip", `10.92.${200 + Math.floor(index / 250)}.${(index % 250) + 1}/16`);
  if (f.current) args.push("-version", "1");
  args.push("-duration", `${f.durationHours}h`, "-in-pub", file("host.pub"));
  return { args, cwd: f.dir };
}

function report(f: Fixture, results: Array<{ mode: Mode; raw: PathResult; app: PathResult }>): void {
  const rate = (r: PathResult) => (r.count / r.ms) * 1000;
  const rows = results.flatMap(({ raw, app }) =>
    [raw, app].map((r) => [
      r.label,
      String(r.count),
      (r.ms / 1000).toFixed(2),
      rate(r).toFixed(1),
      formatMs(percentile(r.latencies, 50)),
      formatMs(percentile(r.latencies, 99)),
      formatRatio(rate(r) / rate(raw)),
      r === raw ? "-" : String(r.statuses.unexpected([201])),
      r === raw ? "-" : r.statuses.describe(),
    ]),
  );
  printReport({
    title: `Enrollments through POST /api/v1/enroll (production build, v1 CA, nebula-cert ${f.versionText})`,
    goal: "none set; printed beside the raw nebula-cert sign loop at the same concurrency",
    columns: ["path", "count", "seconds", "per second", "p50 each", "p99 each", "vs raw loop", "errors", "statuses"],
    rows,
    notes: [
      ...results.map(({ mode, raw, app }) => `${mode.label}: enrollments / raw signatures = ${formatRatio(rate(app) / rate(raw))}`),
      ...results.map(
        ({ mode, app }) =>
          `${mode.label}: signed ahead while the preflight ran (an idle replica, a link that enrolled a host moments ago): ${app.ahead?.used ?? 0} used, ${app.ahead?.discarded ?? 0} discarded, ${app.ahead?.failed ?? 0} failed, of ${app.count}; the first enrollment of each block (a fresh link) is never signed ahead`,
      ),
      `the limits are ${ENROLL_LIMITS.perAddress}/min per client address and ${ENROLL_LIMITS.perToken}/min per token: the app runs with TRUSTED_PROXIES=127.0.0.1/32 and every request carries its own X-Forwarded-For address, and each block of ${BLOCK} enrollments uses a fresh unlimited join link`,
      `raw loop and enrollments take turns in blocks of ${BLOCK}; public keys were made with nebula-cert keygen before timing; ${WARMUP} warm-up enrollments were not counted`,
      `per second is count / wall time of the blocks; p50/p99 each are the times of single enrollments (or signatures), from sending to the answer`,
      "nothing is locked while nebula-cert signs: enrollments into one network serialise only on claiming an address (one statement of its own, the SQL function nc_lease_first_free, under the network's lease lock), and those on one link only on counting its use (last in the transaction, the link's row locked for the commit)",
      ...results.flatMap(({ app }) => [...app.statuses.examples.entries()].map(([status, example]) => `${app.label}: first ${status} answer: ${example}`)),
    ],
  });
}
