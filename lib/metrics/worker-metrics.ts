/**
 * /metrics for a replica of several worker processes (NC_WORKERS). Prometheus scrapes the
 * replica's one port, and whichever worker takes the request must answer for the whole replica:
 * it asks its primary, which collects every worker's registry over their IPC channels, adds its
 * own process metrics, and sums them with prom-client's aggregator (memory, polls and held
 * requests add up; version and start time do not). Held polls and memory of "a replica" then mean
 * what an operator expects, however many processes it runs.
 */
import { AggregatorRegistry, collectDefaultMetrics, Registry, type MetricObjectWithValues, type MetricValue } from "prom-client";
import { inReplicaWorker, primaryPort, type IpcMessage, type IpcPort } from "@/lib/core/replica-workers";
import { metrics } from "./registry";

type Collected = MetricObjectWithValues<MetricValue<string>>[];

type MetricsMessage =
  | { nc: "metrics"; op: "gather"; id: number }
  | { nc: "metrics"; op: "gathered"; id: number; text: string | null; error?: string }
  | { nc: "metrics"; op: "collect"; id: number }
  | { nc: "metrics"; op: "collected"; id: number; metrics: Collected };

const asMetricsMessage = (m: IpcMessage): MetricsMessage | null => (m.nc === "metrics" ? (m as unknown as MetricsMessage) : null);
const send = (port: IpcPort, message: MetricsMessage) => port.send(message as unknown as IpcMessage);

/** A worker that does not answer within this is left out of the scrape rather than holding it up. */
const COLLECT_TIMEOUT_MS = 5_000;
const GATHER_TIMEOUT_MS = 15_000;

let nextId = 1;

/**
 * Sends `request` with a fresh id and settles with the reply that carries it (`answer` maps it to a
 * result), or with `onTimeout` after `timeoutMs`.
 */
function ask<T>(port: IpcPort, request: Omit<Extract<MetricsMessage, { op: "gather" | "collect" }>, "id">, reply: MetricsMessage["op"], answer: (message: MetricsMessage) => T, timeoutMs: number, onTimeout: () => T): Promise<T> {
  const id = nextId++;
  return new Promise<T>((resolve) => {
    const timer = setTimeout(() => finish(onTimeout), timeoutMs);
    const off = port.onMessage((m) => {
      const message = asMetricsMessage(m);
      if (message?.op === reply && message.id === id) finish(() => answer(message));
    });
    const finish = (result: () => T) => {
      clearTimeout(timer);
      off();
      resolve(result());
    };
    send(port, { ...request, id } as MetricsMessage);
  });
}

/** This replica's metrics in Prometheus' text format: this process's own, or, in a worker, the whole replica's. */
export async function replicaMetricsText(port: IpcPort | null = inReplicaWorker() ? primaryPort() : null): Promise<string> {
  if (!port) return metrics().registry.metrics();
  const text = await ask<string | Error>(
    port,
    { nc: "metrics", op: "gather" },
    "gathered",
    (message) => (message.op === "gathered" && message.text !== null ? message.text : new Error((message.op === "gathered" && message.error) || "no metrics")),
    GATHER_TIMEOUT_MS,
    () => new Error("the replica's primary process did not answer"),
  );
  if (text instanceof Error) throw text;
  return text;
}

/** In a worker: answers the primary's requests for this process's metrics. */
export function answerMetricsRequests(port: IpcPort = primaryPort()): () => void {
  return port.onMessage((m) => {
    const message = asMetricsMessage(m);
    if (message?.op !== "collect") return;
    void metrics()
      .registry.getMetricsAsJSON()
      .then((collected) => send(port, { nc: "metrics", op: "collected", id: message.id, metrics: collected as Collected }));
  });
}

/** The primary's side: answers a worker's "gather" with every worker's metrics and its own, summed. */
export class MetricsGatherer {
  private readonly ports = new Map<IpcPort, () => void>();
  private readonly own = new Registry();

  constructor() {
    collectDefaultMetrics({ register: this.own, prefix: "nc_process_" });
  }

  add(port: IpcPort): void {
    this.ports.set(
      port,
      port.onMessage((m) => {
        const message = asMetricsMessage(m);
        if (message?.op === "gather") void this.gather(port, message.id);
      }),
    );
  }

  remove(port: IpcPort): void {
    this.ports.get(port)?.();
    this.ports.delete(port);
  }

  private async gather(asker: IpcPort, id: number): Promise<void> {
    try {
      const parts = await Promise.all([this.own.getMetricsAsJSON() as Promise<Collected>, ...[...this.ports.keys()].map((port) => collectFrom(port))]);
      const text = await AggregatorRegistry.aggregate(parts.filter((p): p is Collected => p !== null)).metrics();
      send(asker, { nc: "metrics", op: "gathered", id, text });
    } catch (error) {
      send(asker, { nc: "metrics", op: "gathered", id, text: null, error: error instanceof Error ? error.message : String(error) });
    }
  }
}

/** One worker's metrics, or null when it does not answer in time (it may be restarting). */
function collectFrom(port: IpcPort): Promise<Collected | null> {
  return ask<Collected | null>(port, { nc: "metrics", op: "collect" }, "collected", (message) => (message.op === "collected" ? message.metrics : null), COLLECT_TIMEOUT_MS, () => null);
}
