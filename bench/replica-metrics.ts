/** What the HTTP benchmarks read from a running replica's /metrics (opened by the bench's METRICS_TOKEN). */
import { readdirSync, readFileSync } from "node:fs";
import { APP_HOST, BENCH_METRICS_TOKEN } from "./app-server";
import { sleep } from "./measure";

const METRIC_ATTEMPTS = 3;

/**
 * One unlabelled sample, or 0 when the replica does not report it. A replica busy accepting
 * thousands of connections may refuse one now and then, so a failed read is tried again.
 */
export async function metric(port: number, name: string): Promise<number> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await readMetric(port, name);
    } catch (error) {
      const cause = error instanceof Error && error.cause instanceof Error ? ` (${error.cause.message})` : "";
      if (attempt >= METRIC_ATTEMPTS) throw new Error(`/metrics on port ${port}: ${error instanceof Error ? error.message : String(error)}${cause}`);
      await sleep(2_000);
    }
  }
}

async function readMetric(port: number, name: string): Promise<number> {
  const res = await fetch(`http://${APP_HOST}:${port}/metrics`, { headers: { authorization: `Bearer ${BENCH_METRICS_TOKEN}` }, signal: AbortSignal.timeout(30_000) });
  const text = await res.text();
  if (!res.ok) throw new Error(`/metrics on port ${port} answered ${res.status}`);
  const line = text.split("\n").find((l) => l.startsWith(`${name} `));
  return line ? Number(line.split(" ")[1]) : 0;
}

export async function residentMegabytes(port: number): Promise<number> {
  return Math.round((await metric(port, "nc_process_process_resident_memory_bytes")) / 1e6);
}

/**
 * The open file descriptors (sockets, pools, files) of the busiest process under `rootPid` (the
 * replica's server under npx and tsx), read from /proc: unlike /metrics, this still answers when
 * the replica has none left to accept a connection with. Null where /proc cannot tell.
 */
export function openDescriptors(rootPid: number): number | null {
  try {
    const parentOf = new Map<number, number>();
    for (const entry of readdirSync("/proc")) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        // The parent is the 4th field, after "(comm)", which may itself hold spaces.
        const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
        parentOf.set(Number(entry), Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]));
      } catch {
        /* gone meanwhile */
      }
    }
    const tree = new Set([rootPid]);
    for (let grew = true; grew; ) {
      grew = false;
      for (const [pid, parent] of parentOf) {
        if (tree.has(parent) && !tree.has(pid)) {
          tree.add(pid);
          grew = true;
        }
      }
    }
    let most: number | null = null;
    for (const pid of tree) {
      try {
        most = Math.max(most ?? 0, readdirSync(`/proc/${pid}/fd`).length);
      } catch {
        /* gone meanwhile */
      }
    }
    return most;
  } catch {
    return null;
  }
}

/** Polls nc_long_polls_waiting on every replica until together they hold `count`; the per-replica counts. */
export async function waitUntilHeld(ports: number[], count: number, timeoutMs: number): Promise<number[]> {
  const deadline = Date.now() + timeoutMs;
  let held: number[] = [];
  for (let attempt = 0; attempt < 1_000 && Date.now() < deadline; attempt++) {
    // A replica short of descriptors may not answer one read; its last count stands until the next.
    held = await Promise.all(ports.map((port, k) => metric(port, "nc_long_polls_waiting").catch(() => held[k] ?? 0)));
    if (held.reduce((a, b) => a + b, 0) >= count) return held;
    await sleep(500);
  }
  throw new Error(`only ${held.join(" + ")} of ${count} polls were held after ${timeoutMs / 1000} s`);
}

/**
 * The kernel's TCP counters of this machine (from /proc/net/netstat), for the bench to take their
 * change over a phase: ListenOverflows counts connections that found a listen queue full (their
 * client then sends its SYN again after 1 s, 3 s, 7 s…), TCPSynRetrans the SYNs sent again. Null
 * where /proc cannot tell.
 */
export function tcpCounters(): { listenOverflows: number; synRetransmits: number } | null {
  try {
    const lines = readFileSync("/proc/net/netstat", "utf8").split("\n").filter((l) => l.startsWith("TcpExt:"));
    const names = lines[0]!.split(" ");
    const values = lines[1]!.split(" ");
    const read = (name: string) => Number(values[names.indexOf(name)]);
    const counters = { listenOverflows: read("ListenOverflows"), synRetransmits: read("TCPSynRetrans") };
    return Number.isFinite(counters.listenOverflows) && Number.isFinite(counters.synRetransmits) ? counters : null;
  } catch {
    return null;
  }
}
