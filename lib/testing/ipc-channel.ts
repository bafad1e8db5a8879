/**
 * The two ends of an in-process channel standing in for the IPC between a replica's primary and a
 * worker (lib/core/replica-workers.ts): a message sent on one end is heard on the other on a later
 * turn, serialised as JSON, as Node's IPC delivers it.
 */
import { EventEmitter } from "node:events";
import type { IpcPort } from "@/lib/core/replica-workers";

export function ipcChannel(): [IpcPort, IpcPort] {
  const end = (mine: EventEmitter, theirs: EventEmitter): IpcPort => ({
    send: (message) => setImmediate(() => theirs.emit("message", JSON.parse(JSON.stringify(message)))),
    onMessage: (listener) => {
      mine.on("message", listener);
      return () => mine.off("message", listener);
    },
  });
  const a = new EventEmitter();
  const b = new EventEmitter();
  return [end(a, b), end(b, a)];
}
