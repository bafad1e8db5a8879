/**
 * Config polls per second on the production build when nothing changed: each poll carries the
 * ETag the node already runs and is answered 304 (one credential lookup, no render). Baseline: the
 * same closed-loop load against GET /api/health, a bare route that returns a constant, so the
 * ratio is what authenticating a node and comparing its ETag cost over Next.js's own overhead.
 */
import { benchApp, APP_HOST } from "./app-server";
import { benchActor, benchNetwork, enrollOverHttp, joinTokens, pollSpec, publicKeys } from "./app-fixtures";
import { HttpClient, StatusCounter, type RequestSpec } from "./http-client";
import { Deadline, formatMs, formatRatio, percentile } from "./measure";
import { printReport } from "./table";

const NODES = 8;
const CONCURRENCY = 32;
/** Each target is measured in slices that take turns, so a noisy moment on the machine hits both alike. */
const SLICE_MS = 5_000;
const SLICES_PER_TARGET = 2;
const WARMUP_MS = 2_000;
const REQUEST_TIMEOUT_MS = 10_000;

interface Target {
  label: string;
  /** Statuses that are answers, not errors. */
  accepted: readonly number[];
  next(): RequestSpec;
}

interface Measured {
  label: string;
  requests: number;
  ms: number;
  latencies: number[];
  statuses: StatusCounter;
  errors: number;
}

interface PolledNode {
  credential: string;
  etag: string;
}

export async function run(): Promise<void> {
  const app = await benchApp();
  const client = new HttpClient(APP_HOST, app.port, CONCURRENCY, REQUEST_TIMEOUT_MS);
  try {
    const nodes = await enrollAndPrime(client);
    const targets = [healthTarget(), pollTarget(nodes), renderTarget(nodes)];
    for (const target of targets) await closedLoop(client, target, WARMUP_MS);
    const results = targets.map((t) => ({ label: t.label, requests: 0, ms: 0, latencies: [] as number[], statuses: new StatusCounter(), errors: 0 }));
    for (let slice = 0; slice < SLICES_PER_TARGET; slice++) {
      for (const [i, target] of targets.entries()) merge(results[i]!, await closedLoop(client, target, SLICE_MS));
    }
    report(results);
  } finally {
    client.close();
  }
}

/** NODES real nodes enrolled over HTTP, each polled once without an ETag (200) to learn the one it runs. */
async function enrollAndPrime(client: HttpClient): Promise<PolledNode[]> {
  const actor = await benchActor();
  const network = await benchNetwork(actor, "bench-poll-rate", "10.91.0.0/24");
  const [token] = await joinTokens(actor, network, 1);
  const keys = await publicKeys(NODES);
  const nodes: PolledNode[] = [];
  for (const [i, publicKeyPem] of keys.entries()) {
    const { answer, credential } = await enrollOverHttp(client, { token: token!, hostname: `poll-${i}`, publicKeyPem, clientIndex: i });
    if (!credential) throw new Error(`enrolling poll-${i} answered ${answer.status}: ${answer.error ?? answer.body.slice(0, 200)}`);
    const primed = await client.send(pollSpec(credential, null));
    if (primed.status !== 200 || !primed.etag) throw new Error(`the priming poll for poll-${i} answered ${primed.status} (etag ${primed.etag}): ${primed.error ?? primed.body.slice(0, 200)}`);
    nodes.push({ credential, etag: primed.etag });
  }
  return nodes;
}

function healthTarget(): Target {
  return { label: "baseline: GET /api/health (constant)", accepted: [200], next: () => ({ path: "/api/health" }) };
}

/** Round-robin over the nodes, so the credential lookups are not all for one row. */
function pollTarget(nodes: PolledNode[]): Target {
  let turn = 0;
  return {
    label: "app: config poll, If-None-Match (304)",
    accepted: [304, 200],
    next: () => {
      const node = nodes[turn++ % nodes.length]!;
      return pollSpec(node.credential, node.etag);
    },
  };
}

/**
 * Not part of the goal: polls without an ETag, each rendered (200). A node's first poll after it
 * joins, or after anything in its network changed, takes this path; the fleet benchmark leans on it.
 */
function renderTarget(nodes: PolledNode[]): Target {
  let turn = 0;
  return {
    label: "info: config poll, no ETag (render, 200)",
    accepted: [200],
    next: () => pollSpec(nodes[turn++ % nodes.length]!.credential, null),
  };
}

/** CONCURRENCY workers, each sending its next request as soon as the previous one is answered, for `durationMs`. */
async function closedLoop(client: HttpClient, target: Target, durationMs: number): Promise<Measured> {
  const result: Measured = { label: target.label, requests: 0, ms: 0, latencies: [], statuses: new StatusCounter(), errors: 0 };
  const deadline = new Deadline(durationMs);
  const started = performance.now();
  const worker = async () => {
    while (!deadline.passed) {
      const answer = await client.send(target.next());
      result.requests++;
      result.latencies.push(answer.ms);
      result.statuses.add(answer, target.accepted);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  result.ms = performance.now() - started;
  result.errors = result.statuses.unexpected(target.accepted);
  return result;
}

function merge(into: Measured, slice: Measured): void {
  into.requests += slice.requests;
  into.ms += slice.ms;
  into.latencies.push(...slice.latencies);
  into.errors += slice.errors;
  for (const [key, count] of slice.statuses.counts) into.statuses.counts.set(key, (into.statuses.counts.get(key) ?? 0) + count);
  for (const [key, example] of slice.statuses.examples) if (!into.statuses.examples.has(key)) into.statuses.examples.set(key, example);
}

function report(results: Measured[]): void {
  const rate = (r: Measured) => (r.requests / r.ms) * 1000;
  const [baseline, polls, renders] = results as [Measured, Measured, Measured];
  printReport({
    title: `Config polls with a matching ETag vs a bare route (production build, ${CONCURRENCY} in flight, keep-alive)`,
    goal: "config polls >= 60% of the bare route's requests/second",
    columns: ["target", "requests", "seconds", "req/s", "p50", "p99", "errors", "statuses", "vs bare route"],
    rows: results.map((r) => [
      r.label,
      String(r.requests),
      (r.ms / 1000).toFixed(1),
      rate(r).toFixed(0),
      formatMs(percentile(r.latencies, 50)),
      formatMs(percentile(r.latencies, 99)),
      String(r.errors),
      r.statuses.describe(),
      formatRatio(rate(r) / rate(baseline)),
    ]),
    notes: [
      `polls / bare route = ${formatRatio(rate(polls) / rate(baseline))}; goal >= 60%`,
      `a poll without an ETag is rendered: ${rate(renders).toFixed(0)}/s here (${formatRatio(rate(renders) / rate(baseline))} of the bare route), in a network of ${NODES} nodes`,
      `${NODES} nodes enrolled through POST /api/v1/enroll, each primed with one 200 poll; polls take turns over them`,
      `${SLICES_PER_TARGET} slices of ${SLICE_MS / 1000} s per target, taking turns, after ${WARMUP_MS / 1000} s of warm-up each; load generator, app and Postgres share this machine's CPUs`,
      "last-seen is written at most once a minute per node, so the measured polls are read-only (one credential query each)",
      ...[...results.flatMap((r) => [...r.statuses.examples.entries()].map(([status, example]) => `${r.label}: first ${status} answer: ${example}`))],
    ],
  });
}
