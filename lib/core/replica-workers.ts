/**
 * A replica may run as several worker processes behind one port (NC_WORKERS, Node's cluster):
 * Node serves requests on one core per process, and a process can hold only as many connections as
 * its open-file limit allows, so one process per replica leaves cores idle and caps the long polls
 * a replica can hold (lib/enroll/long-poll-limit.ts). The primary process only starts and restarts
 * the workers, hands them connections, holds the replica's one LISTEN connection and gathers their
 * metrics (lib/core/replica-primary.ts); it serves no request itself.
 *
 * This module is what both sides share: the setting, and the IPC channel between them.
 */
import cluster, { type Worker } from "node:cluster";
import { wholeNumberSetting, type Env } from "./whole-number-setting";

/** NC_WORKERS: worker processes per replica; 1 (the default) runs the app in one process, without a primary. */
export function replicaWorkerCount(env: Env = process.env): number {
  return wholeNumberSetting(env, "NC_WORKERS", { unit: "processes", min: 1, max: 64 }) ?? 1;
}

/** True in a worker process of a replica that runs several. */
export function inReplicaWorker(): boolean {
  return cluster.isWorker;
}

/** This worker's place among its replica's workers (0 when the replica runs one process): a restarted worker keeps it. */
export function replicaWorkerIndex(env: Env = process.env): number {
  const index = Number(env.NC_WORKER_INDEX ?? "0");
  return Number.isSafeInteger(index) && index >= 0 ? index : 0;
}

/** One end of the channel between a replica's primary and a worker, as the code on either side sees it. */
export interface IpcPort {
  send(message: IpcMessage): void;
  onMessage(listener: (message: IpcMessage) => void): () => void;
}

/** Every message carries `nc`, so that anything else on the channel (Node's own) is left alone. */
export type IpcMessage = { nc: string } & Record<string, unknown>;

const isIpcMessage = (m: unknown): m is IpcMessage => typeof m === "object" && m !== null && typeof (m as { nc?: unknown }).nc === "string";

/** A port over one side's channel: its messages filtered to ours, and its send, given. */
function portOver(channel: { on(event: "message", listener: (message: unknown) => void): unknown; off(event: "message", listener: (message: unknown) => void): unknown }, send: (message: IpcMessage) => void): IpcPort {
  return {
    send,
    onMessage: (listener) => {
      const handler = (m: unknown) => {
        if (isIpcMessage(m)) listener(m);
      };
      channel.on("message", handler);
      return () => channel.off("message", handler);
    },
  };
}

/** The worker's end: its own process. Sends to a primary that is gone are dropped (the worker is about to be stopped too). */
export function primaryPort(): IpcPort {
  return portOver(process, (message) => {
    if (process.connected) process.send?.(message, undefined, undefined, () => {});
  });
}

/** The primary's end of one worker's channel. Sends to a worker that has exited are dropped. */
export function workerPort(worker: Worker): IpcPort {
  return portOver(worker, (message) => {
    if (worker.isConnected()) worker.send(message, undefined, undefined, () => {});
  });
}
