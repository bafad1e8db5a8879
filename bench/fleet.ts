/**
 * A fleet of 10,000 agents against the production build: every node polls its config once every
 * 60 s at a random phase (about 167 requests/s), for 120 s. A node's first poll carries no ETag
 * and is rendered (200); its next carries the ETag it got and should be answered 304. The load is
 * open-loop (each poll is sent at its time whatever the others are doing), so a slow server shows
 * as latency and errors, not as a politely lower rate. Baseline: the same open-loop rate against
 * GET /api/health for a short while first, the floor of latency on this machine.
 *
 * The nodes come from bench/fleet-fixture.ts (bulk-inserted rows, a few real certificates).
 */
import { benchApp, APP_HOST } from "./app-server";
import { pollSpec } from "./app-fixtures";
import { createFleet, type FleetNode } from "./fleet-fixture";
import { HttpClient, StatusCounter, type Answer } from "./http-client";
import { formatMs, openLoop, percentile } from "./measure";
import { printReport } from "./table";

const NODE_COUNT = 10_000;
const POLL_PERIOD_MS = 60_000;
const DURATION_MS = 120_000;
const BASELINE_MS = 15_000;
const REQUEST_TIMEOUT_MS = 10_000;
const CONNECTIONS = 64;
const REAL_CERTIFICATES = 16;
const CIDR = "10.93.0.0/16";
const PROGRESS_EVERY_MS = 30_000;
/** The timeline's resolution, by scheduled time: shows when a backlog builds and whether it drains. */
const BUCKET_MS = 10_000;
/** A fixed seed: every run spreads the phases the same way. */
const SEED = 0x5eed;


interface Poll {
  at: number;
  node: number;
  first: boolean;
}

interface Tally {
  latencies: number[];
  statuses: StatusCounter;
}

interface Simulation {
  first: Tally;
  later: Tally;
  scheduled: number;
  sent: number;
  /** From the first scheduled poll to the last answer. */
  ms: number;
  /** Later polls that were answered 200 although they carried the ETag of the previous answer. */
  laterRendered: number;
  timeline: Tally[];
}

export async function run(): Promise<void> {
  const app = await benchApp();
  const setupStarted = performance.now();
  const { nodes } = await createFleet({ name: "bench-fleet", cidr: CIDR, count: NODE_COUNT, realCertificates: REAL_CERTIFICATES });
  const setupSeconds = (performance.now() - setupStarted) / 1000;
  const client = new HttpClient(APP_HOST, app.port, CONNECTIONS, REQUEST_TIMEOUT_MS);
  try {
    const baseline = await baselineRun(client);
    const simulation = await simulate(client, nodes, schedule(nodes.length));
    report(simulation, baseline, setupSeconds);
  } finally {
    client.close();
  }
}

/** Every node's polls within DURATION_MS: a random phase in the first period, then one each period; sorted by time. */
function schedule(nodeCount: number): Poll[] {
  const random = mulberry32(SEED);
  const polls: Poll[] = [];
  for (let node = 0; node < nodeCount; node++) {
    const phase = random() * POLL_PERIOD_MS;
    for (let at = phase; at < DURATION_MS; at += POLL_PERIOD_MS) polls.push({ at, node, first: at === phase });
  }
  return polls.sort((a, b) => a.at - b.at);
}

/** A small seeded generator (mulberry32), so the schedule is the same every run. */
function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The same open-loop rate against the bare route for BASELINE_MS: what latency the machine and Next.js alone give. */
async function baselineRun(client: HttpClient): Promise<Tally> {
  const rate = NODE_COUNT / POLL_PERIOD_MS;
  const times = Array.from({ length: Math.floor(BASELINE_MS * rate) }, (_, i) => i / rate);
  const tally: Tally = { latencies: [], statuses: new StatusCounter() };
  await openLoop(times, (_, startedAt) => client.send({ path: "/api/health" }, startedAt), (_, answer) => record(tally, answer, [200]));
  return tally;
}

async function simulate(client: HttpClient, nodes: FleetNode[], polls: Poll[]): Promise<Simulation> {
  const result: Simulation = { first: { latencies: [], statuses: new StatusCounter() }, later: { latencies: [], statuses: new StatusCounter() }, scheduled: polls.length, sent: 0, ms: 0, laterRendered: 0, timeline: [] };
  for (let at = 0; at < DURATION_MS; at += BUCKET_MS) result.timeline.push({ latencies: [], statuses: new StatusCounter() });
  const progress = setInterval(() => console.log(`[fleet] ${result.sent} polls sent, ${result.first.latencies.length + result.later.latencies.length} completed (answered or timed out)`), PROGRESS_EVERY_MS);
  const started = performance.now();
  try {
    await openLoop(
      polls.map((p) => p.at),
      (i, startedAt) => {
        const node = nodes[polls[i]!.node]!;
        result.sent++;
        return client.send(pollSpec(node.credential, node.etag), startedAt);
      },
      (i, answer) => {
        const poll = polls[i]!;
        const node = nodes[poll.node]!;
        if (answer.status === 200 && answer.etag) node.etag = answer.etag;
        if (!poll.first && answer.status === 200) result.laterRendered++;
        record(poll.first ? result.first : result.later, answer, poll.first ? [200] : [304]);
        record(result.timeline[Math.floor(poll.at / BUCKET_MS)]!, answer, [200, 304]);
      },
    );
  } finally {
    clearInterval(progress);
  }
  result.ms = performance.now() - started;
  return result;
}

function record(tally: Tally, answer: Answer, expected: readonly number[]): void {
  tally.latencies.push(answer.ms);
  tally.statuses.add(answer, expected);
}

function report(sim: Simulation, baseline: Tally, setupSeconds: number): void {
  const accepted = [200, 304];
  const all: Tally = { latencies: [...sim.first.latencies, ...sim.later.latencies], statuses: new StatusCounter() };
  for (const tally of [sim.first, sim.later]) {
    for (const [key, count] of tally.statuses.counts) all.statuses.counts.set(key, (all.statuses.counts.get(key) ?? 0) + count);
  }
  const row = (label: string, tally: Tally, ok: readonly number[]) => [
    label,
    String(tally.latencies.length),
    tally.statuses.describe(),
    String(tally.statuses.unexpected(ok)),
    formatMs(percentile(tally.latencies, 50)),
    formatMs(percentile(tally.latencies, 95)),
    formatMs(percentile(tally.latencies, 99)),
    formatMs(tally.latencies.length ? tally.latencies.reduce((a, b) => Math.max(a, b)) : Number.NaN),
  ];
  const completed = all.latencies.length;
  const served = completed - all.statuses.unexpected(accepted);
  printReport({
    title: `Fleet: ${NODE_COUNT.toLocaleString("en")} nodes polling every ${POLL_PERIOD_MS / 1000} s for ${DURATION_MS / 1000} s (production build, open loop)`,
    goal: "0 errors (anything but 200/304, any network error or timeout, all counted in errors); latency printed beside the bare route at the same rate",
    columns: ["requests", "count", "statuses", "errors", "p50", "p95", "p99", "max"],
    rows: [
      row(`baseline: GET /api/health, ${BASELINE_MS / 1000} s`, baseline, [200]),
      row("first polls (no ETag, render, expect 200)", sim.first, [200]),
      row("later polls (ETag, expect 304)", sim.later, [304]),
      row("all polls", all, accepted),
    ],
    notes: [
      `errors: ${all.statuses.unexpected(accepted)} (goal 0); later polls answered 200 instead of 304: ${sim.laterRendered}`,
      `requests: ${sim.scheduled} scheduled (${((NODE_COUNT / POLL_PERIOD_MS) * 1000).toFixed(1)}/s), ${sim.sent} sent, ${completed} completed in ${(sim.ms / 1000).toFixed(1)} s; served (200/304): ${served}, achieved ${((served / sim.ms) * 1000).toFixed(1)} req/s`,
      `latency counts from each poll's scheduled time; ${CONNECTIONS} keep-alive connections at most, ${REQUEST_TIMEOUT_MS / 1000} s timeout per request`,
      `set-up ${setupSeconds.toFixed(1)} s: nodes, leases, credentials (SHA-256 of tokens made here) and certificate rows bulk-inserted with SQL; ${REAL_CERTIFICATES} certificates signed by the network's CA via signHost, the other nodes carry copies of them (unique made-up fingerprints); one lighthouse`,
      ...[sim.first, sim.later, baseline].flatMap((t, i) => [...t.statuses.examples.entries()].map(([status, example]) => `${["first polls", "later polls", "baseline"][i]}: first ${status}: ${example}`)),
    ],
  });
  printTimeline(sim.timeline);
}

/** The same polls by when they were scheduled, BUCKET_MS at a time. */
function printTimeline(timeline: Tally[]): void {
  const seconds = (ms: number) => String(ms / 1000);
  printReport({
    title: "Fleet timeline (by scheduled time)",
    goal: "the same: 0 errors in every window",
    columns: ["window", "polls", "statuses", "errors", "p50", "p99"],
    rows: timeline.map((t, i) => [
      `${seconds(i * BUCKET_MS)}-${seconds((i + 1) * BUCKET_MS)} s`,
      String(t.latencies.length),
      t.statuses.describe(),
      String(t.statuses.unexpected([200, 304])),
      formatMs(percentile(t.latencies, 50)),
      formatMs(percentile(t.latencies, 99)),
    ]),
    notes: ["polls scheduled in the first minute are each node's first (200 expected); in the second minute, its second (304 expected)"],
  });
}
