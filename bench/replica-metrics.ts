/** What the HTTP benchmarks read from a running replica's /metrics (opened by the bench's METRICS_TOKEN). */
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

/** The replica's open file descriptors (sockets, pools, files), from prom-client's process metrics. */
export function openDescriptors(port: number): Promise<number> {
  return metric(port, "nc_process_process_open_fds");
}

/** Polls nc_long_polls_waiting on every replica until together they hold `count`; the per-replica counts. */
export async function waitUntilHeld(ports: number[], count: number, timeoutMs: number): Promise<number[]> {
  const deadline = Date.now() + timeoutMs;
  let held: number[] = [];
  for (let attempt = 0; attempt < 1_000 && Date.now() < deadline; attempt++) {
    held = await Promise.all(ports.map((port) => metric(port, "nc_long_polls_waiting")));
    if (held.reduce((a, b) => a + b, 0) >= count) return held;
    await sleep(500);
  }
  throw new Error(`only ${held.join(" + ")} of ${count} polls were held after ${timeoutMs / 1000} s`);
}
