/**
 * A fleet of 10,000 agents against the production build: every node polls its config once every
 * 60 s at a random phase (about 167 requests/s), for 120 s. A node's first poll carries no ETag
 * and is rendered (200); its next carries the ETag it got and should be answered 304. The load is
 * open-loop (each poll is sent at its time whatever the others are doing), so a slow server shows
 * as latency and errors, not as a politely lower rate. Baseline: the same open-loop rate against
 * GET /api/health for a short while first, the floor of latency on this machine.
 *
 * The nodes are bulk-inserted with SQL: nodes, leases, node credentials (SHA-256 of tokens made
 * here, as the app stores them) and one certificate row each. Signing 10,000 certificates would
 * take minutes, so REAL_CERTIFICATES are signed with the network's CA through the app's signHost
 * and every node gets a copy of one of them (a render needs a non-revoked certificate row and a
 * lease, and only serves the PEM).
 */
import { randomUUID } from "node:crypto";
import pg from "pg";
import { db } from "@/lib/db/client";
import { generateToken, hashToken, NODE_CREDENTIAL_PREFIX } from "@/lib/enroll/tokens";
import { intToIpv4, ipv4ToInt } from "@/lib/ipam/cidr";
import { unsealCaKey } from "@/lib/pki/certificate-authority";
import { HOST_CERT_HOURS } from "@/lib/pki/certificate-service";
import { signHost, type SignedHost } from "@/lib/pki/sign-host";
import { benchApp, APP_HOST } from "./app-server";
import { benchActor, benchNetwork, pollSpec, publicKeys } from "./app-fixtures";
import { HttpClient, StatusCounter, type Answer } from "./http-client";
import { forEachParallel, formatMs, percentile } from "./measure";
import { printReport } from "./table";

const NODE_COUNT = 10_000;
const POLL_PERIOD_MS = 60_000;
const DURATION_MS = 120_000;
const BASELINE_MS = 15_000;
const REQUEST_TIMEOUT_MS = 10_000;
const CONNECTIONS = 64;
const REAL_CERTIFICATES = 16;
const CIDR = "10.93.0.0/16";
const PREFIX = 16;
const LIGHTHOUSE = { endpoint: "198.51.100.1:4242", port: 4242 };
const PROGRESS_EVERY_MS = 30_000;
/** The timeline's resolution, by scheduled time: shows when a backlog builds and whether it drains. */
const BUCKET_MS = 10_000;
/** A fixed seed: every run spreads the phases the same way. */
const SEED = 0x5eed;

interface FleetNode {
  id: string;
  name: string;
  address: number;
  credential: string;
  etag: string | null;
}

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
  const nodes = await createFleet();
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

/** The network with its CA, REAL_CERTIFICATES signed for real, then every row in bulk. */
async function createFleet(): Promise<FleetNode[]> {
  const actor = await benchActor();
  const network = await benchNetwork(actor, "bench-fleet", CIDR);
  const base = ipv4ToInt(CIDR.split("/")[0]!);
  const nodes: FleetNode[] = Array.from({ length: NODE_COUNT }, (_, i) => ({
    id: randomUUID(),
    name: `fleet-${i}`,
    address: base + 1 + i,
    credential: generateToken(NODE_CREDENTIAL_PREFIX),
    etag: null,
  }));
  const ca = await db.ca.findFirstOrThrow({ where: { networkId: network.id, active: true }, omit: { keyCiphertext: false } });
  const signed = await signSome(nodes.slice(0, REAL_CERTIFICATES), { certPem: ca.certPem, keyPem: unsealCaKey(ca), notAfter: ca.notAfter, version: ca.version });
  await insertRows(network.id, ca.id, nodes, signed);
  return nodes;
}

async function signSome(nodes: FleetNode[], ca: { certPem: string; keyPem: string; notAfter: Date; version: number }): Promise<SignedHost[]> {
  const keys = await publicKeys(nodes.length);
  const signed = new Array<SignedHost>(nodes.length);
  await forEachParallel(nodes.length, 2, async (i) => {
    const node = nodes[i]!;
    signed[i] = await signHost({ ca, name: node.name, ipWithPrefix: `${intToIpv4(node.address)}/${PREFIX}`, groups: [], publicKeyPem: keys[i]!, durationHours: HOST_CERT_HOURS });
  });
  return signed;
}

/** One statement per table, arrays unnested by Postgres: 10,000 rows in a few seconds. */
async function insertRows(networkId: string, caId: string, nodes: FleetNode[], signed: SignedHost[]): Promise<void> {
  const sql = new pg.Client({ connectionString: process.env.DATABASE_URL });
  await sql.connect();
  try {
    await sql.query("BEGIN");
    const ids = nodes.map((n) => n.id);
    await sql.query(
      `INSERT INTO "Node" (id, "networkId", name, endpoints, status, "updatedAt")
       SELECT t.id, $1::uuid, t.name, '{}', 'active', now() FROM unnest($2::uuid[], $3::text[]) AS t(id, name)`,
      [networkId, ids, nodes.map((n) => n.name)],
    );
    // One lighthouse, as every real network has: renders then carry a static host map.
    await sql.query(`UPDATE "Node" SET "isLighthouse" = true, endpoints = $2::text[], "listenPort" = $3 WHERE id = $1::uuid`, [ids[0], [LIGHTHOUSE.endpoint], LIGHTHOUSE.port]);
    await sql.query(
      `INSERT INTO "Lease" (id, "networkId", address, "nodeId")
       SELECT gen_random_uuid(), $1::uuid, t.address, t.node FROM unnest($2::bigint[], $3::uuid[]) AS t(address, node)`,
      [networkId, nodes.map((n) => n.address), ids],
    );
    await sql.query(`UPDATE "Network" SET "leaseCursor" = $2 WHERE id = $1::uuid`, [networkId, nodes[nodes.length - 1]!.address + 1]);
    await sql.query(
      `INSERT INTO "NodeCredential" (id, "nodeId", "tokenHash")
       SELECT gen_random_uuid(), t.node, t.hash FROM unnest($1::uuid[], $2::text[]) AS t(node, hash)`,
      [ids, nodes.map((n) => hashToken(n.credential))],
    );
    await insertCertificates(sql, networkId, caId, nodes, signed);
    await sql.query("COMMIT");
    // Fresh statistics, as a database that grew to this size over time would have; the planner chooses by them.
    await sql.query(`ANALYZE "Node", "Lease", "NodeCredential", "Certificate"`);
  } catch (error) {
    await sql.query("ROLLBACK").catch(() => {});
    throw error;
  } finally {
    await sql.end();
  }
}

/** Node i gets real certificate i % REAL_CERTIFICATES; copies get a unique made-up fingerprint (the column is unique). */
async function insertCertificates(sql: pg.Client, networkId: string, caId: string, nodes: FleetNode[], signed: SignedHost[]): Promise<void> {
  const source = nodes.map((_, i) => (i % signed.length) + 1);
  const fingerprints = nodes.map((_, i) => {
    const real = signed[i % signed.length]!.details.fingerprint;
    return i < signed.length ? real : `${real}-bench-copy-${i}`;
  });
  await sql.query(
    `INSERT INTO "Certificate" (id, "networkId", "nodeId", "caId", name, pem, "publicKeyPem", fingerprint, "notBefore", "notAfter", ip, groups, origin)
     SELECT gen_random_uuid(), $1::uuid, t.node, $2::uuid, t.name, r.pem, r.pub, t.fingerprint, r.not_before, r.not_after, t.ip, '{}', 'signed'
     FROM unnest($3::uuid[], $4::text[], $5::text[], $6::text[], $7::int[]) AS t(node, name, fingerprint, ip, source)
     JOIN unnest($8::text[], $9::text[], $10::timestamptz[], $11::timestamptz[]) WITH ORDINALITY AS r(pem, pub, not_before, not_after, ord) ON r.ord = t.source`,
    [
      networkId,
      caId,
      nodes.map((n) => n.id),
      nodes.map((n) => n.name),
      fingerprints,
      nodes.map((n) => `${intToIpv4(n.address)}/${PREFIX}`),
      source,
      signed.map((s) => s.certPem),
      signed.map((s) => s.publicKeyPem),
      signed.map((s) => s.details.notBefore),
      signed.map((s) => s.details.notAfter),
    ],
  );
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

/**
 * Sends request i at `times[i]` ms after the start, whether or not earlier ones were answered, and
 * waits for the last answer (each bounded by the client's timeout). Latency counts from the
 * scheduled time, so a client or connection pool that falls behind adds to it instead of hiding it.
 */
async function openLoop(times: number[], send: (i: number, startedAt: number) => Promise<Answer>, done: (i: number, answer: Answer) => void): Promise<void> {
  const start = performance.now();
  const pending: Array<Promise<void>> = [];
  let next = 0;
  while (next < times.length) {
    const now = performance.now() - start;
    for (; next < times.length && times[next]! <= now; next++) {
      const i = next;
      pending.push(send(i, start + times[i]!).then((answer) => done(i, answer)));
    }
    if (next < times.length) await sleep(Math.min(times[next]! - (performance.now() - start), 50));
  }
  await Promise.all(pending);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
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
    formatMs(tally.latencies.length ? Math.max(...tally.latencies) : Number.NaN),
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
