/**
 * Propagation: the time from a rule change to every node of a 10,000-node simulated fleet holding
 * its new config, with two app replicas over one Postgres. Every node holds a long poll
 * (`Prefer: wait=55`, with the ETag it holds), half on each replica; the rule is created in this
 * process, as a third replica would, so both replicas hear of it only through Postgres NOTIFY.
 *
 * Baselines, same run: the same 10,000 nodes fetching a freshly rendered config as fast as the two
 * replicas serve them (closed loop, 32 connections each), the floor that rendering sets; and
 * plain polling every 60 s, which by its schedule reaches a node after 30 s on average and the last
 * one after 60 s. Each replica's memory is read from its /metrics while all polls are held.
 */
import os from "node:os";
import { ruleInputSchema } from "@/lib/firewall/rule-schema";
import { createRule } from "@/lib/firewall/rule-store";
import { benchActor, benchMeta, pollSpec } from "./app-fixtures";
import { APP_HOST, benchApp, startAppAt } from "./app-server";
import { createFleet, type FleetNode } from "./fleet-fixture";
import { HttpClient, StatusCounter } from "./http-client";
import { forEachParallel, formatMs, percentile } from "./measure";
import { metric, residentMegabytes, waitUntilHeld } from "./replica-metrics";
import { printReport } from "./table";

const NODE_COUNT = 10_000;
const CIDR = "10.94.0.0/16";
const SECOND_PORT = 3302;
const PRIME_CONNECTIONS = 32;
const WAIT_SECONDS = 55;
/** The wait, plus the time a replica may take to answer 5,000 woken polls. */
const HELD_TIMEOUT_MS = (WAIT_SECONDS + 30) * 1000;
const HOLD_SETTLE_TIMEOUT_MS = 120_000;
const PLAIN_POLL_SECONDS = 60;

interface Replica {
  name: string;
  port: number;
}

export async function run(): Promise<void> {
  const first = await benchApp();
  const second = await startAppAt({ host: APP_HOST, port: SECOND_PORT, publicUrl: `http://${APP_HOST}:${SECOND_PORT}` });
  const replicas: Replica[] = [
    { name: "A", port: first.port },
    { name: "B", port: SECOND_PORT },
  ];
  try {
    const setupStarted = performance.now();
    const actor = await benchActor();
    const { networkId, nodes } = await createFleet({ name: "bench-propagation", cidr: CIDR, count: NODE_COUNT, realCertificates: 16 });
    const setupSeconds = (performance.now() - setupStarted) / 1000;
    const replicaOf = (i: number) => replicas[i % replicas.length]!;

    // Baseline: every node's first (rendered) config, both replicas at full tilt.
    const primeClients = replicas.map((r) => new HttpClient(APP_HOST, r.port, PRIME_CONNECTIONS, 60_000));
    const primeStatuses = new StatusCounter();
    const primeStarted = performance.now();
    await forEachParallel(nodes.length, PRIME_CONNECTIONS * replicas.length, async (i) => {
      const node = nodes[i]!;
      const answer = await primeClients[i % replicas.length]!.send(pollSpec(node.credential, null));
      primeStatuses.add(answer, [200]);
      node.etag = answer.etag;
    });
    const primeMs = performance.now() - primeStarted;
    primeClients.forEach((c) => c.close());
    if (primeStatuses.unexpected([200]) > 0) throw new Error(`priming the fleet failed: ${primeStatuses.describe()}`);

    const idleMemory = await Promise.all(replicas.map((r) => residentMegabytes(r.port)));
    // Every node holds a long poll; one connection each, as real hosts have.
    const holdClients = replicas.map((r) => new HttpClient(APP_HOST, r.port, NODE_COUNT, HELD_TIMEOUT_MS));
    const statuses = new StatusCounter();
    const arrivals: number[] = [];
    let changedAt = Number.POSITIVE_INFINITY;
    let early = 0;
    const held = nodes.map((node: FleetNode, i) => {
      const spec = pollSpec(node.credential, node.etag);
      return holdClients[i % replicas.length]!.send({ ...spec, headers: { ...spec.headers, prefer: `wait=${WAIT_SECONDS}` } }).then((answer) => {
        statuses.add(answer, [200]);
        const at = performance.now();
        if (at < changedAt) early++;
        else if (answer.status === 200) arrivals.push(at - changedAt);
      });
    });
    const waiting = (await waitUntilHeld(replicas.map((r) => r.port), NODE_COUNT, HOLD_SETTLE_TIMEOUT_MS)).reduce((a, b) => a + b, 0);
    const memory = await Promise.all(replicas.map((r) => residentMegabytes(r.port)));

    const cpuBefore = await Promise.all(replicas.map((r) => metric(r.port, "nc_process_process_cpu_seconds_total")));
    const benchCpuBefore = process.cpuUsage();
    changedAt = performance.now();
    await createRule(actor, networkId, ruleInputSchema.parse({ direction: "inbound", port: "7443", proto: "tcp", peer: { kind: "any" }, appliesTo: { kind: "all" }, description: "bench: propagation" }), benchMeta());
    const committedMs = performance.now() - changedAt;
    await Promise.all(held);
    const spreadMs = performance.now() - changedAt;
    const benchCpu = process.cpuUsage(benchCpuBefore);
    const cpu = (await Promise.all(replicas.map((r) => metric(r.port, "nc_process_process_cpu_seconds_total")))).map((after, k) => after - cpuBefore[k]!);
    holdClients.forEach((c) => c.close());

    arrivals.sort((a, b) => a - b);
    const perReplica = replicas.map((r, k) => `${r.name} ${nodes.filter((_, i) => replicaOf(i) === r).length} held, ${memory[k]} MB resident (${idleMemory[k]} MB before they were held)`).join("; ");
    printReport({
      title: `Propagation: a rule change to ${NODE_COUNT.toLocaleString("en")} long-polling nodes on ${replicas.length} replicas (production build)`,
      goal: "every node has the change within 2 s",
      columns: ["measure", "figure"],
      rows: [
        ["baseline: every node fetches a fresh render, closed loop", `${formatMs(primeMs)} for ${NODE_COUNT} (${((NODE_COUNT / primeMs) * 1000).toFixed(0)}/s)`],
        ["baseline: plain polling every 60 s", `${PLAIN_POLL_SECONDS / 2} s on average, ${PLAIN_POLL_SECONDS} s for the last node`],
        ["long poll: rule committed after", formatMs(committedMs)],
        ["long poll: first node had it after", arrivals.length ? formatMs(arrivals[0]!) : "-"],
        ["long poll: p50 node", arrivals.length ? formatMs(percentile(arrivals, 50)) : "-"],
        ["long poll: p99 node", arrivals.length ? formatMs(percentile(arrivals, 99)) : "-"],
        ["long poll: every node had it after", arrivals.length === NODE_COUNT ? formatMs(arrivals[arrivals.length - 1]!) : `only ${arrivals.length} did`],
      ],
      notes: [
        `answers: ${statuses.describe()}; answered before the change: ${early}; ${waiting} polls held on the replicas when the rule was created`,
        `replicas: ${perReplica}`,
        // Where the machine's time went while the change spread: the simulated hosts share the cores with the replicas.
        `CPU while the change spread (${formatMs(spreadMs)}, ${os.cpus().length} cores): ${replicas.map((r, k) => `replica ${r.name} ${cpu[k]!.toFixed(2)} s`).join(", ")}, the 10,000 simulated hosts (this process) ${((benchCpu.user + benchCpu.system) / 1e6).toFixed(2)} s; Postgres and the rest of the machine the remainder`,
        `set-up ${setupSeconds.toFixed(1)} s (bench/fleet-fixture.ts: bulk-inserted rows, 16 real certificates); the rule was created by this process, so both replicas heard of it only through Postgres NOTIFY`,
        ...[...statuses.examples.entries()].map(([key, example]) => `example ${key}: ${example}`),
      ],
    });
  } finally {
    await second.stop();
  }
}
