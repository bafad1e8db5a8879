/**
 * The primary process of a replica that runs several workers (NC_WORKERS; replica-workers.ts).
 * It starts the workers, each with its place (NC_WORKER_INDEX, so that the one that runs the
 * replica's background jobs is always there), hands them the port's connections (Node's cluster,
 * round-robin), relays the replica's one LISTEN connection to them and gathers their metrics. A
 * worker that dies is started again; one that dies before it ever listened means the app cannot
 * start, so the replica stops instead of restarting it in a loop. SIGTERM or SIGINT stops the
 * workers gracefully (each answers its held polls) and then the primary.
 */
import cluster, { type Worker } from "node:cluster";
import { ChangeRelay } from "@/lib/db/config-change-relay";
import { MetricsGatherer } from "@/lib/metrics/worker-metrics";
import { workerPort, type IpcPort } from "./replica-workers";

/** Between a worker's death and its replacement: a crash loop then costs little, and is visible in the log. */
const RESTART_DELAY_MS = 1_000;
/** Workers that have not exited this long after SIGTERM are killed. */
const STOP_TIMEOUT_MS = 30_000;

export function runReplicaPrimary(count: number): void {
  const relay = new ChangeRelay();
  const gatherer = new MetricsGatherer();
  const ports = new Map<Worker, IpcPort>();
  let stopping = false;

  const start = (index: number) => {
    const worker = cluster.fork({ NC_WORKER_INDEX: String(index) });
    const port = workerPort(worker);
    ports.set(worker, port);
    relay.add(port);
    gatherer.add(port);
    let listened = false;
    worker.on("listening", () => (listened = true));
    worker.on("exit", (code, signal) => {
      relay.remove(port);
      gatherer.remove(port);
      ports.delete(worker);
      if (stopping) {
        if (ports.size === 0) void relay.close().then(() => process.exit());
        return;
      }
      const how = signal ? `signal ${signal}` : `code ${code}`;
      if (!listened) {
        console.error(`[replica] worker ${index} exited (${how}) before it served; stopping the replica`);
        stop(1);
        return;
      }
      console.error(`[replica] worker ${index} exited (${how}); starting it again`);
      setTimeout(() => {
        if (!stopping) start(index);
      }, RESTART_DELAY_MS).unref();
    });
  };

  const stop = (exitCode: number) => {
    if (stopping) return;
    stopping = true;
    process.exitCode = exitCode;
    if (ports.size === 0) void relay.close().then(() => process.exit());
    for (const worker of ports.keys()) worker.process.kill("SIGTERM");
    setTimeout(() => {
      for (const worker of ports.keys()) worker.process.kill("SIGKILL");
      process.exit(exitCode);
    }, STOP_TIMEOUT_MS).unref();
  };

  for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => stop(0));
  console.log(`[replica] starting ${count} worker processes`);
  for (let index = 0; index < count; index++) start(index);
}
