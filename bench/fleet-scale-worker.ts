/**
 * A share of one replica's long-polling hosts for bench/fleet-scale.ts, in a process of its own:
 * a process may hold only so many sockets (its open-file limit), so the bench splits each
 * replica's hosts over as many workers as that takes. Started with fork(); gets its hosts in a message, answers
 * "started" once every host has sent its first poll, hears when the rule changed, and sends its
 * tallies when the phase is over.
 *
 * Each host does what nc-agent does: it asks to wait (`Prefer: wait=55`) and polls again as soon
 * as it is answered; when the replica answers at once without Preference-Applied (its bound of
 * held polls is reached), the host falls back to plain polling and asks again after the interval;
 * after a failure it backs off as nc-agent does.
 */
import { monitorEventLoopDelay } from "node:perf_hooks";
import { HttpClient, StatusCounter, type Answer } from "./http-client";
import { pollSpec } from "./app-fixtures";
import { sleep } from "./measure";

export interface WorkerJob {
  host: string;
  port: number;
  hosts: Array<{ credential: string; etag: string | null }>;
  phaseMs: number;
  rampMs: number;
  waitSeconds: number;
  pollSeconds: number;
  timeoutMs: number;
  /** This worker's number among the run's workers: its hosts' loopback addresses are 127.1.<index>.x. */
  index: number;
}

/**
 * Hosts sharing one loopback source address (HttpClient's localAddress): few enough that the
 * ephemeral ports toward a replica never run short, as they did with all 12,500 on 127.0.0.1.
 */
const HOSTS_PER_ADDRESS = 2_000;

export interface WorkerTallies {
  /** 304s after a held wait: ms past the wait. */
  overshoot: number[];
  /** Answers at once, without Preference-Applied (past the replica's bound): latency. */
  plain: number[];
  /** Hosts whose poll was held across the change: ms from the change to their 200. */
  arrivals: number[];
  statuses: Record<string, number>;
  examples: Record<string, string>;
  polls: number;
  /** Failures without a status, by when they came (before or after the change) and on which connection. */
  failures: { beforeChange: number; afterChange: number; onKeptConnection: number; onNewConnection: number };
  /**
   * This worker's own event-loop delay over the phase, in ms. Thousands of hosts share a process
   * and the machine's cores with the replicas: a late loop reads every answer late, so this says
   * how much of the latencies above is the client's.
   */
  loopDelay: { p50Ms: number; p99Ms: number; maxMs: number };
}

type Message = { job: WorkerJob } | { changedAt: number };

let changedAt = Number.POSITIVE_INFINITY;

process.on("message", (message: Message) => {
  if ("changedAt" in message) changedAt = message.changedAt;
  else void run(message.job);
});

async function run(job: WorkerJob): Promise<void> {
  const addresses = Math.ceil(job.hosts.length / HOSTS_PER_ADDRESS);
  const clients = Array.from({ length: addresses }, (_, a) => new HttpClient(job.host, job.port, HOSTS_PER_ADDRESS + 16, job.timeoutMs, { localAddress: `127.1.${job.index}.${a + 1}` }));
  const statuses = new StatusCounter();
  const tallies: WorkerTallies = {
    overshoot: [],
    plain: [],
    arrivals: [],
    statuses: {},
    examples: {},
    polls: 0,
    failures: { beforeChange: 0, afterChange: 0, onKeptConnection: 0, onNewConnection: 0 },
    loopDelay: { p50Ms: 0, p99Ms: 0, maxMs: 0 },
  };
  const loop = monitorEventLoopDelay({ resolution: 20 });
  loop.enable();
  const endAt = Date.now() + job.phaseMs;
  let started = 0;
  const host = async (i: number) => {
    await sleep(Math.random() * job.rampMs);
    const node = job.hosts[i]!;
    const client = clients[i % addresses]!;
    let first = true;
    let failures = 0;
    while (Date.now() < endAt) {
      const spec = pollSpec(node.credential, node.etag);
      const sentAt = Date.now();
      // A host told to poll plainly next comes back only after the interval: its connection is not
      // kept meanwhile, so that held polls and idle connections together stay within the open-file limit.
      const pending = client.send({ ...spec, headers: { ...spec.headers, prefer: `wait=${job.waitSeconds}` }, closeAfter: (headers) => !headers["preference-applied"] });
      if (first) {
        first = false;
        if (++started === job.hosts.length) process.send?.({ started: true });
      }
      const answer: Answer = await pending;
      tallies.polls++;
      statuses.add(answer, [200, 304]);
      if (answer.status === 200 && answer.etag) {
        node.etag = answer.etag;
        if (sentAt < changedAt && Date.now() >= changedAt) tallies.arrivals.push(Date.now() - changedAt);
      }
      if (answer.status === 0) {
        tallies.failures[Date.now() < changedAt ? "beforeChange" : "afterChange"]++;
        tallies.failures[answer.reusedSocket ? "onKeptConnection" : "onNewConnection"]++;
      }
      if (answer.status !== 200 && answer.status !== 304) {
        // A failure: back off as nc-agent does (lib/agent/agent.ts), the interval doubled per failure
        // in a row, at most 300 s, give or take 10%. (Bench hosts that retried after 1 s turned a
        // replica short of descriptors into a storm of their own.)
        failures++;
        const backoffMs = Math.min(300, job.pollSeconds * 2 ** Math.min(failures, 5)) * (0.9 + Math.random() * 0.2) * 1000;
        await sleep(Math.max(0, Math.min(backoffMs, endAt - Date.now())));
        continue;
      }
      failures = 0;
      if (answer.status === 304 && !answer.preferenceApplied) {
        // Not held (past the replica's bound): poll again after the interval, as the agents do.
        tallies.plain.push(answer.ms);
        await sleep(job.pollSeconds * 1000);
      } else if (answer.status === 304) {
        tallies.overshoot.push(answer.ms - job.waitSeconds * 1000);
      }
      // A 200 (held or not) carried a new bundle: the host polls again at once.
    }
  };
  await Promise.all(job.hosts.map((_, i) => host(i)));
  loop.disable();
  const ms = (ns: number) => Math.round(ns / 1e6);
  tallies.loopDelay = { p50Ms: ms(loop.percentile(50)), p99Ms: ms(loop.percentile(99)), maxMs: ms(loop.max) };
  for (const client of clients) client.close();
  tallies.statuses = Object.fromEntries(statuses.counts);
  tallies.examples = Object.fromEntries(statuses.examples);
  process.send?.({ tallies }, () => process.exit(0));
}
