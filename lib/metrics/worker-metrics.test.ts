/**
 * /metrics of a replica of several workers: the primary's gatherer and the workers' answers,
 * joined by in-process channels that deliver asynchronously, as IPC does. The real processes are
 * scraped in e2e/network/long-poll.lab.test.ts, whose held-poll counts are the replica's sums.
 */
import { describe, expect, it } from "vitest";
import { ipcChannel } from "@/lib/testing/ipc-channel";
import { metrics } from "./registry";
import { answerMetricsRequests, MetricsGatherer, replicaMetricsText } from "./worker-metrics";

const value = (text: string, name: string) => Number(new RegExp(`^${name} (\\S+)$`, "m").exec(text)?.[1] ?? Number.NaN);

describe("a replica's metrics, gathered from its workers", () => {
  it("sums the workers' counts and memory with the primary's, and keeps one version line", async () => {
    const gatherer = new MetricsGatherer();
    // Both "workers" live in this process and answer from its one registry: each count is then
    // this process's value, once per worker.
    const workers = [ipcChannel(), ipcChannel()];
    const stops = workers.map(([primaryEnd, workerEnd]) => {
      gatherer.add(primaryEnd);
      return answerMetricsRequests(workerEnd);
    });
    metrics().longPollsWaiting.set(7);
    try {
      const own = await metrics().registry.metrics();
      const text = await replicaMetricsText(workers[0]![1]);
      expect(value(text, "nc_long_polls_waiting")).toBe(14);
      // Memory: both workers' and the primary's own, so more than twice this process's.
      expect(value(text, "nc_process_process_resident_memory_bytes")).toBeGreaterThan(2 * value(own, "nc_process_process_resident_memory_bytes"));
      expect(text.match(/^nc_process_nodejs_version_info\{/gm)).toHaveLength(1);
      // A share is averaged, not summed.
      expect(value(text, "nc_node_polls_not_modified_ratio")).toBe(value(own, "nc_node_polls_not_modified_ratio"));
    } finally {
      metrics().longPollsWaiting.set(0);
      stops.forEach((stop) => stop());
    }
  });

  it("leaves out a worker that does not answer, rather than failing the scrape", async () => {
    const gatherer = new MetricsGatherer();
    const [answeringPrimaryEnd, answeringWorkerEnd] = ipcChannel();
    const [silentPrimaryEnd] = ipcChannel();
    gatherer.add(answeringPrimaryEnd);
    gatherer.add(silentPrimaryEnd);
    const stop = answerMetricsRequests(answeringWorkerEnd);
    metrics().longPollsWaiting.set(3);
    try {
      expect(value(await replicaMetricsText(answeringWorkerEnd), "nc_long_polls_waiting")).toBe(3);
    } finally {
      metrics().longPollsWaiting.set(0);
      stop();
    }
  }, 20_000);

  it("answers for this process alone in a replica of one process", async () => {
    metrics().longPollsWaiting.set(2);
    try {
      expect(value(await replicaMetricsText(null), "nc_long_polls_waiting")).toBe(2);
    } finally {
      metrics().longPollsWaiting.set(0);
    }
  });
});
