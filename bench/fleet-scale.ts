/**
 * 50,000 simulated nodes on two app replicas over one Postgres, each replica serving half of
 * them, for three minutes in each of two modes:
 *
 * - plain polling: every node polls once every 60 s at a random phase with the ETag it holds
 *   (about 833 requests/s in all), open loop, so a slow server shows as latency and errors;
 * - long polling: every node asks to wait (`Prefer: wait=55`) and polls again as soon as it is
 *   answered; halfway through, a rule change reaches every held poll.
 *
 * Before both, every node's first poll renders its config (closed loop, flat out), beside a bare
 * GET /api/health at the plain-polling rate. Each replica's memory is read from its /metrics
 * while its polls are held.
 *
 * A process can hold only as many polls as it may open files. The goal is 25,000 per replica;
 * where one process's open-file limit leaves room for fewer (and cannot be raised: prlimit needs
 * CAP_SYS_RESOURCE), each replica runs as many worker processes behind its port as hold 25,000
 * together (NC_WORKERS, lib/core/replica-primary.ts), each with its default bound for that limit
 * (lib/enroll/long-poll-limit.ts). FLEET_SCALE_REPLICA_WORKERS sets another count; with 1, the
 * hosts past a replica's bound are answered at once and fall back to plain polling, as the agents do. The long-polling hosts
 * run in worker processes (bench/fleet-scale-worker.ts), each replica's hosts split over as many
 * as keep each worker within the same limit. The report says which bound applied.
 */
import { execFileSync, fork, type ChildProcess } from "node:child_process";
import path from "node:path";
import { ruleInputSchema } from "@/lib/firewall/rule-schema";
import { createRule } from "@/lib/firewall/rule-store";
import { longPollMaxWaiting, openFileLimit } from "@/lib/enroll/long-poll-limit";
import type { Started } from "../scripts/lib/processes";
import { benchActor, benchMeta, pollSpec } from "./app-fixtures";
import { APP_HOST, startAppAt } from "./app-server";
import { createFleet, type FleetNode } from "./fleet-fixture";
import type { WorkerJob, WorkerTallies } from "./fleet-scale-worker";
import { HttpClient, StatusCounter, type Answer } from "./http-client";
import { forEachParallel, formatMs, openLoop, percentile, sleep } from "./measure";
import { metric, openDescriptors, residentMegabytes, tcpCounters, waitUntilHeld } from "./replica-metrics";
import { printReport } from "./table";

/** FLEET_SCALE_NODES and FLEET_SCALE_PHASE_SECONDS shrink a run for a quick look; the figures are for the defaults. */
const NODE_COUNT = Number(process.env.FLEET_SCALE_NODES ?? 50_000);
const CIDR = "10.95.0.0/16";
const PORTS = [3303, 3304];
const PHASE_MS = Number(process.env.FLEET_SCALE_PHASE_SECONDS ?? 180) * 1000;
const POLL_PERIOD_MS = 60_000;
const WAIT_SECONDS = 55;
/**
 * Long polls start over this long, as hosts coming up do, not all in one instant: by default over
 * one poll interval, so that first polls arrive at the plain-polling rate (833/s). Over 30 s
 * (1,667/s), the two replicas, Postgres and the bench's own hosts needed more than this machine's
 * 2 cores: connections waiting for their answer filled each replica to its cap, and about 10,000
 * first polls were refused. FLEET_SCALE_RAMP_SECONDS sets another.
 */
const RAMP_MS = Number(process.env.FLEET_SCALE_RAMP_SECONDS ?? 60) * 1000;
const PRIME_CONNECTIONS = 32;
const PLAIN_TIMEOUT_MS = 10_000;
/** The wait, plus what a replica may take to answer 25,000 woken polls. */
const HELD_TIMEOUT_MS = (WAIT_SECONDS + 30) * 1000;
const BASELINE_MS = 15_000;
const OPEN_FILES = 200_000;
const HELD_GOAL = 25_000;
const HELD_SETTLE_TIMEOUT_MS = 180_000;
/** How often each replica's open descriptors are read during the long-poll phase. */
const DESCRIPTOR_SAMPLE_MS = 5_000;
const DROPPED_METRIC = "nc_connections_dropped_total";
const LOOP_DELAY_METRIC = "nc_process_nodejs_eventloop_lag_max_seconds";
/** Descriptors a long-poll worker needs besides its hosts' sockets. */
const WORKER_DESCRIPTOR_MARGIN = 1_000;

interface Tally {
  latencies: number[];
  statuses: StatusCounter;
}

const tally = (): Tally => ({ latencies: [], statuses: new StatusCounter() });

export async function run(): Promise<void> {
  const openFiles = raiseOpenFileLimit();
  // Each process's own default (lib/enroll/long-poll-limit.ts): the bound an operator gets.
  const perProcess = longPollMaxWaiting({}, openFiles);
  const workers = replicaWorkers(perProcess);
  const heldBound = perProcess * workers;
  const replicas: Started[] = [];
  try {
    for (const port of PORTS) {
      replicas.push(await startAppAt({ host: APP_HOST, port, publicUrl: `http://${APP_HOST}:${port}` }, { NC_WORKERS: String(workers) }));
    }
    const setupStarted = performance.now();
    const actor = await benchActor();
    const { networkId, nodes } = await createFleet({ name: "bench-fleet-scale", cidr: CIDR, count: NODE_COUNT, realCertificates: 16 });
    const setupSeconds = (performance.now() - setupStarted) / 1000;
    const clientFor = (connections: number, timeoutMs: number) => PORTS.map((port) => new HttpClient(APP_HOST, port, connections, timeoutMs));
    const replicaOf = (i: number) => i % PORTS.length;

    console.log(`[fleet-scale] priming: every node's first poll (a render)`);
    const primeClients = clientFor(PRIME_CONNECTIONS, 60_000);
    const prime = tally();
    const primeStarted = performance.now();
    await forEachParallel(nodes.length, PRIME_CONNECTIONS * PORTS.length, async (i) => {
      const answer = await primeClients[replicaOf(i)]!.send(pollSpec(nodes[i]!.credential, null));
      record(prime, answer, [200]);
      nodes[i]!.etag = answer.etag;
    });
    const primeMs = performance.now() - primeStarted;
    primeClients.forEach((c) => c.close());

    console.log(`[fleet-scale] baseline: GET /api/health at the plain-polling rate for ${BASELINE_MS / 1000} s`);
    const plainClients = PORTS.map((port) => new HttpClient(APP_HOST, port, 256, PLAIN_TIMEOUT_MS, { scheduling: "fifo" }));
    const rate = NODE_COUNT / POLL_PERIOD_MS;
    const baseline = tally();
    await openLoop(
      Array.from({ length: Math.floor(BASELINE_MS * rate) }, (_, i) => i / rate),
      (i, at) => plainClients[i % PORTS.length]!.send({ path: "/api/health" }, at),
      (_, answer) => record(baseline, answer, [200]),
    );

    console.log(`[fleet-scale] plain polling every ${POLL_PERIOD_MS / 1000} s for ${PHASE_MS / 1000} s`);
    const plain = tally();
    const schedule = plainSchedule(nodes.length);
    const plainStarted = performance.now();
    await openLoop(
      schedule.map((p) => p.at),
      (i, at) => {
        const node = schedule[i]!.node;
        return plainClients[replicaOf(node)]!.send(pollSpec(nodes[node]!.credential, nodes[node]!.etag), at);
      },
      (_, answer) => record(plain, answer, [304]),
    );
    const plainMs = performance.now() - plainStarted;
    plainClients.forEach((c) => c.close());

    reportPolling({ primeMs, prime, baseline, plain, plainMs, plainScheduled: schedule.length, setupSeconds, workers });
    console.log(`[fleet-scale] long polling for ${PHASE_MS / 1000} s; a rule change halfway`);
    const long = await longPollPhase(nodes, replicaOf, heldBound, openFiles, replicas.map((r) => r.child.pid ?? 0), async () => {
      await createRule(actor, networkId, ruleInputSchema.parse({ direction: "inbound", port: "7444", proto: "tcp", peer: { kind: "any" }, appliesTo: { kind: "all" }, description: "bench: fleet scale" }), benchMeta());
    });

    reportLongPolling({ long, heldBound, perProcess, workers, openFiles });
  } finally {
    for (const replica of replicas.reverse()) await replica.stop();
  }
}

/**
 * As root with CAP_SYS_RESOURCE, lifts this process's descriptor limit (the replicas and workers
 * started afterwards inherit it); otherwise keeps what there is. The limit in force.
 */
function raiseOpenFileLimit(): number {
  try {
    execFileSync("prlimit", ["--pid", String(process.pid), `--nofile=${OPEN_FILES}:${OPEN_FILES}`], { stdio: "pipe" });
  } catch (error) {
    console.log(`[fleet-scale] could not raise the open-file limit (${error instanceof Error ? error.message.split("\n")[0] : String(error)}); working within it`);
  }
  // Read after prlimit: the replicas and workers, started later, inherit what this process has.
  return openFileLimit() ?? OPEN_FILES;
}

/** Worker processes per replica: FLEET_SCALE_REPLICA_WORKERS, or as many as hold HELD_GOAL polls together. */
function replicaWorkers(perProcess: number): number {
  const set = process.env.FLEET_SCALE_REPLICA_WORKERS;
  if (set) return Math.max(1, Math.floor(Number(set)) || 1);
  return perProcess > 0 ? Math.max(1, Math.ceil(HELD_GOAL / perProcess)) : 1;
}

/** Each node's polls within the phase: a random phase in the first period, then one each period; by time. */
function plainSchedule(nodeCount: number): Array<{ at: number; node: number }> {
  const polls: Array<{ at: number; node: number }> = [];
  for (let node = 0; node < nodeCount; node++) {
    const phase = Math.random() * POLL_PERIOD_MS;
    for (let at = phase; at < PHASE_MS; at += POLL_PERIOD_MS) polls.push({ at, node });
  }
  return polls.sort((a, b) => a.at - b.at);
}

interface LongPollResult {
  tallies: WorkerTallies[];
  heldPerReplica: number[];
  memoryMb: number[];
  idleMemoryMb: number[];
  /** Each replica's open descriptors when its polls were held, and the most seen in the samples after that. */
  descriptorsHeld: number[];
  descriptorsPeak: number[];
  /** Connections each replica closed on arrival, at its cap (nc_connections_dropped_total, over the phase). */
  droppedPerReplica: number[];
  /** The machine's TCP counters over the phase (tcpCounters); null where /proc could not tell. */
  tcp: { listenOverflows: number; synRetransmits: number } | null;
  /** Each replica's longest event-loop delay from the held point to the end (a stall past the keep-alive timeout closes kept connections). */
  stallMs: number[];
}

/**
 * Every node long-polls until the phase ends, in worker processes (split to stay within the open-file limit). When the held
 * polls have settled, memory is read; halfway, `change` runs and the workers time its arrival.
 */
async function longPollPhase(nodes: FleetNode[], replicaOf: (i: number) => number, heldBound: number, openFiles: number, replicaPids: number[], change: () => Promise<void>): Promise<LongPollResult> {
  const idleMemoryMb = await Promise.all(PORTS.map((port) => residentMegabytes(port)));
  const dropped = () => Promise.all(PORTS.map((port) => metric(port, DROPPED_METRIC).catch(() => Number.NaN)));
  const droppedBefore = await dropped();
  const tcpBefore = tcpCounters();
  const started = performance.now();
  const workers: ChildProcess[] = [];
  const done: Array<Promise<WorkerTallies>> = [];
  const allStarted: Array<Promise<void>> = [];
  try {
    // A worker process may open only so many sockets as well: each replica's hosts are split over
    // as many workers as it takes to keep every worker within the open-file limit.
    const shards = PORTS.flatMap((port, k) => {
      const hosts = nodes.filter((_, i) => replicaOf(i) === k).map((n) => ({ credential: n.credential, etag: n.etag }));
      const count = Math.ceil(hosts.length / Math.max(1, openFiles - WORKER_DESCRIPTOR_MARGIN));
      return Array.from({ length: count }, (_, w) => ({ port, hosts: hosts.filter((_, i) => i % count === w) }));
    });
    shards.forEach(({ port, hosts }, index) => {
      const worker = fork(path.join(import.meta.dirname, "fleet-scale-worker.ts"), [], { execArgv: ["--import", "tsx"], stdio: ["ignore", "inherit", "inherit", "ipc"] });
      workers.push(worker);
      allStarted.push(new Promise((resolve) => worker.on("message", (m: { started?: boolean }) => m.started && resolve())));
      const reported = new Promise<WorkerTallies>((resolve, reject) => {
        worker.on("message", (m: { tallies?: WorkerTallies }) => m.tallies && resolve(m.tallies));
        worker.on("exit", (code, signal) => reject(new Error(`a long-poll worker exited (${signal ?? code}) before it reported`)));
      });
      // Awaited below; until then a worker stopped by the finally (after another error) must not crash the run.
      reported.catch(() => {});
      done.push(reported);
      const job: WorkerJob = {
        host: APP_HOST,
        port,
        hosts,
        phaseMs: PHASE_MS,
        // Within the phase: a host whose start fell past its end would never poll, and the phase
        // would wait for it forever (a short FLEET_SCALE_PHASE_SECONDS did).
        rampMs: Math.min(RAMP_MS, PHASE_MS / 3),
        waitSeconds: WAIT_SECONDS,
        pollSeconds: POLL_PERIOD_MS / 1000,
        timeoutMs: HELD_TIMEOUT_MS,
        index,
      };
      worker.send({ job });
    });
    await Promise.all(allStarted);
    const expectedHeld = PORTS.map((_, k) => Math.min(heldBound, nodes.filter((_, i) => replicaOf(i) === k).length));
    // Nearly all: a few are always between one answer and their next poll.
    const heldPerReplica = await waitUntilHeld(PORTS, Math.floor(expectedHeld.reduce((a, b) => a + b, 0) * 0.98), HELD_SETTLE_TIMEOUT_MS);
    const descriptorsHeld = replicaPids.map((pid) => openDescriptors(pid) ?? Number.NaN);
    // A replica out of descriptors cannot answer /metrics either: its memory is then unknown.
    const memoryMb = await Promise.all(PORTS.map((port) => residentMegabytes(port).catch(() => Number.NaN)));
    // Sampled until the phase ends: where a replica runs short of descriptors, this says by how much.
    const descriptorsPeak = [...descriptorsHeld];
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        await sleep(DESCRIPTOR_SAMPLE_MS);
        replicaPids.forEach((pid, k) => {
          const now = openDescriptors(pid);
          if (now !== null) descriptorsPeak[k] = Number.isNaN(descriptorsPeak[k]!) ? now : Math.max(descriptorsPeak[k]!, now);
        });
      }
    })();
    try {
      await sleep(started + PHASE_MS / 2 - performance.now());
      const changedAt = Date.now();
      await change();
      for (const worker of workers) worker.send({ changedAt });
      const tallies = await Promise.all(done);
      const droppedPerReplica = (await dropped()).map((n, k) => n - droppedBefore[k]!);
      const tcpAfter = tcpCounters();
      const tcp = tcpBefore && tcpAfter ? { listenOverflows: tcpAfter.listenOverflows - tcpBefore.listenOverflows, synRetransmits: tcpAfter.synRetransmits - tcpBefore.synRetransmits } : null;
      // prom-client resets its delay histogram at every scrape: this is the most since the memory read.
      const stallMs = await Promise.all(PORTS.map((port) => metric(port, LOOP_DELAY_METRIC).then((s) => Math.round(s * 1000), () => Number.NaN)));
      return { tallies, heldPerReplica, memoryMb, idleMemoryMb, descriptorsHeld, descriptorsPeak, droppedPerReplica, stallMs, tcp };
    } finally {
      sampling = false;
      await sampler;
    }
  } finally {
    for (const worker of workers) if (worker.exitCode === null) worker.kill();
  }
}

function record(t: Tally, answer: Answer, expected: readonly number[]): void {
  t.latencies.push(answer.ms);
  t.statuses.add(answer, expected);
}

function row(label: string, t: Tally, ok: readonly number[]): string[] {
  return [
    label,
    String(t.latencies.length),
    t.statuses.describe(),
    String(t.statuses.unexpected(ok)),
    formatMs(percentile(t.latencies, 50)),
    formatMs(percentile(t.latencies, 99)),
    formatMs(t.latencies.length ? t.latencies.reduce((a, b) => Math.max(a, b)) : Number.NaN),
  ];
}

const COLUMNS = ["requests", "count", "statuses", "errors", "p50", "p99", "max"];

function reportPolling(r: { primeMs: number; prime: Tally; baseline: Tally; plain: Tally; plainMs: number; plainScheduled: number; setupSeconds: number; workers: number }): void {
  printReport({
    title: `Fleet at scale: ${NODE_COUNT.toLocaleString("en")} nodes on ${PORTS.length} replicas${r.workers > 1 ? ` of ${r.workers} worker processes each` : ""} polling every ${POLL_PERIOD_MS / 1000} s for ${PHASE_MS / 1000} s (production build, open loop)`,
    goal: "0 errors; p50 and p99 beside the bare route at the same rate",
    columns: COLUMNS,
    rows: [
      row(`baseline: GET /api/health at ${((NODE_COUNT / POLL_PERIOD_MS) * 1000).toFixed(0)}/s, open loop`, r.baseline, [200]),
      row("baseline: first polls (render), closed loop", r.prime, [200]),
      row(`plain polls every ${POLL_PERIOD_MS / 1000} s (ETag, expect 304)`, r.plain, [304]),
    ],
    notes: [
      `errors: ${r.plain.statuses.unexpected([304])} (goal 0)`,
      `first polls: ${NODE_COUNT} renders in ${formatMs(r.primeMs)} (${((NODE_COUNT / r.primeMs) * 1000).toFixed(0)}/s over both replicas)`,
      `${r.plainScheduled} polls scheduled over ${(r.plainMs / 1000).toFixed(0)} s; latency from each poll's scheduled time`,
      `set-up ${r.setupSeconds.toFixed(1)} s (bench/fleet-fixture.ts: bulk-inserted rows, 16 real certificates)`,
    ],
  });
}

function reportLongPolling(r: { long: LongPollResult; heldBound: number; perProcess: number; workers: number; openFiles: number }): void {
  const merged = (pick: (t: WorkerTallies) => number[]) => r.long.tallies.flatMap(pick);
  const statuses = new StatusCounter();
  for (const t of r.long.tallies) {
    for (const [key, count] of Object.entries(t.statuses)) statuses.counts.set(key, (statuses.counts.get(key) ?? 0) + count);
    for (const [key, example] of Object.entries(t.examples)) if (!statuses.examples.has(key)) statuses.examples.set(key, example);
  }
  const overshoot: Tally = { latencies: merged((t) => t.overshoot), statuses: new StatusCounter() };
  const fallback: Tally = { latencies: merged((t) => t.plain), statuses: new StatusCounter() };
  const arrivals = merged((t) => t.arrivals).sort((a, b) => a - b);
  const polls = r.long.tallies.reduce((sum, t) => sum + t.polls, 0);
  const failures = (pick: keyof WorkerTallies["failures"]) => r.long.tallies.reduce((sum, t) => sum + t.failures[pick], 0).toLocaleString("en");
  const processes =
    r.workers > 1
      ? `each replica ran ${r.workers} worker processes behind its port (NC_WORKERS=${r.workers}), since one process may hold ${r.perProcess.toLocaleString("en")} (its default bound for this machine's open-file limit, ${r.openFiles.toLocaleString("en")}, which could not be raised); `
      : "";
  const bound =
    r.heldBound < HELD_GOAL
      ? `${processes}each replica held at most ${r.heldBound.toLocaleString("en")} (its default bound for this machine's open-file limit, ${r.openFiles.toLocaleString("en")}, which could not be raised), the other hosts fell back to plain polling`
      : `${processes}each replica could hold ${r.heldBound.toLocaleString("en")}`;
  printReport({
    title: `Fleet at scale: ${NODE_COUNT.toLocaleString("en")} nodes on ${PORTS.length} replicas${r.workers > 1 ? ` of ${r.workers} worker processes each` : ""} long-polling for ${PHASE_MS / 1000} s, starting over ${Math.min(RAMP_MS, PHASE_MS / 3) / 1000} s (Prefer: wait=${WAIT_SECONDS}, production build)`,
    goal: "0 errors; p50 and p99; each replica's memory at 25,000 held polls",
    columns: COLUMNS,
    rows: [row(`held polls answered 304 after the wait: time past ${WAIT_SECONDS} s`, overshoot, [304]), row("polls past the bound, answered at once", fallback, [200, 304])],
    notes: [
      `errors: ${statuses.unexpected([200, 304])} of ${polls} polls (${statuses.describe()}) (goal 0)`,
      `failures without an answer: ${failures("beforeChange")} before the change, ${failures("afterChange")} after it; ${failures("onKeptConnection")} on a kept connection, ${failures("onNewConnection")} on a new one; connections the replicas closed at their cap: ${r.long.droppedPerReplica.map((n) => n.toLocaleString("en")).join(" + ")}; longest event-loop delay after the polls were held: ${r.long.stallMs.map((n) => `${n.toLocaleString("en")} ms`).join(", ")}`,
      `the bench's own ${r.long.tallies.length} host processes (sharing the cores with the replicas and Postgres): event-loop delay p50 ${r.long.tallies.map((t) => `${t.loopDelay.p50Ms}`).join("/")} ms, p99 ${r.long.tallies.map((t) => `${t.loopDelay.p99Ms}`).join("/")} ms, max ${r.long.tallies.map((t) => `${t.loopDelay.maxMs}`).join("/")} ms; a late client loop reads its answers late, so that much of the latencies above is the client's`,
      r.long.tcp
        ? `over the phase, the machine's listen queues overflowed ${r.long.tcp.listenOverflows.toLocaleString("en")} times and ${r.long.tcp.synRetransmits.toLocaleString("en")} SYNs were sent again (a client whose SYN finds a full queue tries again after 1 s, 3 s, 7 s…: new connections then wait seconds)`
        : "the machine's TCP counters could not be read",
      `${bound}; held when all hosts had started: ${r.long.heldPerReplica.map((n) => n.toLocaleString("en")).join(" + ")}`,
      `memory (resident${r.workers > 1 ? ", each replica's processes together: its primary and its workers" : ""}): ${PORTS.map((_, k) => `replica ${k + 1} ${Number.isNaN(r.long.memoryMb[k]!) ? "unknown (its /metrics did not answer)" : `${r.long.memoryMb[k]} MB`} holding ${r.long.heldPerReplica[k]!.toLocaleString("en")} polls (${r.long.idleMemoryMb[k]} MB before)`).join("; ")}`,
      `open descriptors of each replica's busiest process (limit ${r.openFiles.toLocaleString("en")} per process): ${PORTS.map((_, k) => `replica ${k + 1} ${r.long.descriptorsHeld[k]!.toLocaleString("en")} when held, at most ${r.long.descriptorsPeak[k]!.toLocaleString("en")} afterwards (sampled every ${DESCRIPTOR_SAMPLE_MS / 1000} s)`).join("; ")}`,
      arrivals.length
        ? `rule change halfway: ${arrivals.length.toLocaleString("en")} held polls answered with it; p50 ${formatMs(percentile(arrivals, 50))}, p99 ${formatMs(percentile(arrivals, 99))}, last ${formatMs(arrivals[arrivals.length - 1]!)} (hosts past the bound get it at their next plain poll)`
        : "rule change halfway: no held poll was answered with it",
    ],
  });
}
