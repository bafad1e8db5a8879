/**
 * A replica of several worker processes (NC_WORKERS) keeps one LISTEN connection, in its primary
 * process (ChangeRelay), and passes what it hears to its workers over their IPC channels, where
 * each worker's feed hears it through a RelayedChangeSource: one connection per replica however
 * many processes serve it, as with one process.
 *
 * What a worker must never do is miss a change while believing it listens. Every change the
 * primary hears goes to every worker, subscribed or not; a worker counts as listening from the
 * later of the primary's LISTEN and the moment it began taking messages, so a revision it read
 * before both is checked again (the feed's listeningSince). A lost connection is passed on as a
 * loss: every worker wakes its waiters, and the next one to wait subscribes again, which makes the
 * primary listen again.
 */
import { primaryPort, type IpcMessage, type IpcPort } from "@/lib/core/replica-workers";
import { PgChangeSource, type ChangeHandlers, type ChangeSource } from "./config-change-source";

type FeedMessage =
  | { nc: "feed"; op: "subscribe" }
  | { nc: "feed"; op: "listening"; since: number }
  | { nc: "feed"; op: "unavailable"; error: string }
  | { nc: "feed"; op: "changed"; networkId: string; revision: number }
  | { nc: "feed"; op: "lost"; error: string };

const asFeedMessage = (m: IpcMessage): FeedMessage | null => (m.nc === "feed" ? (m as unknown as FeedMessage) : null);
const send = (port: IpcPort, message: FeedMessage) => port.send(message as unknown as IpcMessage);

/** How long a worker waits for its primary to answer a subscription; past it, its polls are answered at once. */
const SUBSCRIBE_TIMEOUT_MS = 10_000;

/** The primary's side: one source (a LISTEN connection, started by the first subscription) for every worker. */
export class ChangeRelay {
  private readonly ports = new Map<IpcPort, () => void>();
  private listening = false;
  private since = 0;
  private starting: Promise<number> | null = null;

  constructor(private readonly source: ChangeSource = new PgChangeSource()) {}

  /** A worker's channel: its subscriptions are answered, and every change is passed to it. */
  add(port: IpcPort): void {
    const off = port.onMessage((m) => {
      if (asFeedMessage(m)?.op === "subscribe") void this.subscribe(port);
    });
    this.ports.set(port, off);
  }

  /** A worker that exited. */
  remove(port: IpcPort): void {
    this.ports.get(port)?.();
    this.ports.delete(port);
  }

  private async subscribe(port: IpcPort): Promise<void> {
    try {
      send(port, { nc: "feed", op: "listening", since: await this.listen() });
    } catch (error) {
      send(port, { nc: "feed", op: "unavailable", error: error instanceof Error ? error.message : String(error) });
    }
  }

  private listen(): Promise<number> {
    if (this.listening) return Promise.resolve(this.since);
    this.starting ??= this.source
      .start({
        changed: (networkId, revision) => this.broadcast({ nc: "feed", op: "changed", networkId, revision }),
        lost: (error) => {
          this.listening = false;
          console.error(`[replica] lost the LISTEN connection (${error.message}); the workers' waiting requests check again`);
          this.broadcast({ nc: "feed", op: "lost", error: error.message });
        },
      })
      .then((since) => {
        this.since = since;
        this.listening = true;
        return since;
      })
      .finally(() => {
        this.starting = null;
      });
    return this.starting;
  }

  private broadcast(message: FeedMessage): void {
    for (const port of this.ports.keys()) send(port, message);
  }

  async close(): Promise<void> {
    for (const off of this.ports.values()) off();
    this.ports.clear();
    this.listening = false;
    await this.source.stop();
  }
}

/** A worker's side: its feed's source, fed by the primary. */
export class RelayedChangeSource implements ChangeSource {
  private handlers: ChangeHandlers | null = null;
  private off: (() => void) | null = null;
  private takingSince = 0;
  private live = false;
  private pending: { resolve: (since: number) => void; reject: (error: Error) => void } | null = null;

  /** Nothing is sent or heard on the port before the feed's first wait. */
  constructor(
    private readonly port: IpcPort = primaryPort(),
    private readonly subscribeTimeoutMs = SUBSCRIBE_TIMEOUT_MS,
  ) {}

  start(handlers: ChangeHandlers): Promise<number> {
    this.handlers = handlers;
    if (!this.off) {
      this.off = this.port.onMessage((m) => this.heard(m));
      this.takingSince = Date.now();
    }
    this.pending?.reject(new Error("subscribed again"));
    return new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => settle(() => reject(new Error("the replica's primary process did not answer"))), this.subscribeTimeoutMs);
      const settle = (done: () => void) => {
        clearTimeout(timer);
        if (this.pending === entry) this.pending = null;
        done();
      };
      const entry = { resolve: (since: number) => settle(() => resolve(since)), reject: (error: Error) => settle(() => reject(error)) };
      this.pending = entry;
      send(this.port, { nc: "feed", op: "subscribe" });
    });
  }

  private heard(m: IpcMessage): void {
    const message = asFeedMessage(m);
    if (!message) return;
    switch (message.op) {
      case "listening":
        this.live = true;
        this.pending?.resolve(Math.max(message.since, this.takingSince));
        break;
      case "unavailable":
        this.pending?.reject(new Error(message.error));
        break;
      case "changed":
        // Passed on whether or not this worker listens yet: it is a change all the same.
        this.handlers?.changed(message.networkId, message.revision);
        break;
      case "lost":
        if (!this.live) break;
        this.live = false;
        this.handlers?.lost(new Error(`${message.error}, in the replica's primary process`));
        break;
    }
  }

  async stop(): Promise<void> {
    this.off?.();
    this.off = null;
    this.live = false;
    this.pending?.reject(new Error("stopped"));
  }
}
