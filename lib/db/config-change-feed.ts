/**
 * Which networks' configs changed, heard from Postgres: every change bumps the network's config
 * revision and, in the same transaction, sends NOTIFY (lib/networks/config-revision.ts), which
 * Postgres delivers on commit only, to every replica. Each replica keeps one LISTEN connection and
 * the long-polling agents that wait on it (lib/enroll/poll-wait.ts); no other infrastructure. A
 * replica of several worker processes keeps that one connection in its primary process, which
 * passes what it hears to every worker (config-change-relay.ts).
 *
 * Nothing here is state that matters: a replica that loses its connection wakes all its waiters
 * (they re-check against the database) and listens again; a replica that dies takes its waiters'
 * requests with it, and their agents poll again elsewhere.
 */
import { PgChangeSource, type ChangeSource } from "./config-change-source";
import { RelayedChangeSource } from "./config-change-relay";
import { inReplicaWorker } from "@/lib/core/replica-workers";

export { CONFIG_CHANNEL } from "./config-change-source";

/** Why a wait ended: a change (or a lost connection: check again), the time ran out, or the client left. */
export type WaitEnd = "changed" | "timeout" | "aborted";

interface Waiter {
  networkId: string;
  seenRevision: number;
  finish: (end: WaitEnd) => void;
}

export class ConfigChangeFeed {
  private connecting: Promise<void> | null = null;
  private listening = false;
  /** When the current listening began: a revision read before it may have changed unheard. */
  private listeningSince = 0;
  private readonly waiters = new Map<string, Set<Waiter>>();
  private count = 0;
  private closed = false;
  /** The newest revision heard per network, so that a waiter arriving after the NOTIFY is not left waiting. */
  private readonly heard = new Map<string, number>();

  constructor(private readonly source: ChangeSource = new PgChangeSource()) {}

  /** Requests waiting right now, in this process. */
  get waiting(): number {
    return this.count;
  }

  /** Starts the source (once, and again after a loss), resolving when changes flow. */
  private listen(): Promise<void> {
    if (this.listening) return Promise.resolve();
    this.connecting ??= this.source
      .start({ changed: (networkId, revision) => this.changed(networkId, revision), lost: (error) => this.lost(error) })
      .then((since) => {
        this.listeningSince = since;
        this.listening = true;
      })
      .finally(() => {
        this.connecting = null;
      });
    return this.connecting;
  }

  /**
   * A lost source may have dropped notifications: every waiter checks again, and the first of
   * them to wait again listens again (if Postgres is down, they answer at once instead).
   */
  private lost(error: Error): void {
    if (!this.listening) return;
    this.listening = false;
    this.heard.clear();
    console.error(`[config-feed] lost the LISTEN connection (${error.message}); waiting requests check again`);
    for (const set of this.waiters.values()) for (const w of [...set]) w.finish("changed");
  }

  private changed(networkId: string, revision: number): void {
    if (revision > (this.heard.get(networkId) ?? -1)) this.heard.set(networkId, revision);
    const set = this.waiters.get(networkId);
    if (!set) return;
    for (const w of [...set]) if (revision > w.seenRevision) w.finish("changed");
  }

  /**
   * Waits until the network's config revision passes `seenRevision` (read from the database at
   * `readAt`, epoch ms), `timeoutMs` passes, or `signal` aborts. Throws when it cannot listen, so
   * that the caller answers at once instead (plain polling).
   */
  async wait(networkId: string, seenRevision: number, readAt: number, timeoutMs: number, signal?: AbortSignal): Promise<WaitEnd> {
    if (this.closed) throw new Error("the server is shutting down");
    await this.listen();
    if (signal?.aborted) return "aborted";
    // Heard already, or possibly missed (the revision was read before this connection listened).
    if ((this.heard.get(networkId) ?? -1) > seenRevision || readAt < this.listeningSince) return "changed";
    return new Promise<WaitEnd>((resolve) => {
      let set = this.waiters.get(networkId);
      if (!set) this.waiters.set(networkId, (set = new Set()));
      const waiter: Waiter = {
        networkId,
        seenRevision,
        finish: (end) => {
          clearTimeout(timer);
          signal?.removeEventListener("abort", onAbort);
          if (set.delete(waiter)) this.count--;
          if (set.size === 0 && this.waiters.get(networkId) === set) this.waiters.delete(networkId);
          resolve(end);
        },
      };
      const onAbort = () => waiter.finish("aborted");
      const timer = setTimeout(() => waiter.finish("timeout"), timeoutMs);
      signal?.addEventListener("abort", onAbort, { once: true });
      set.add(waiter);
      this.count++;
    });
  }

  /** Stops listening and answers every waiter now, for good (a server shutting down; tests). */
  async close(): Promise<void> {
    this.closed = true;
    this.listening = false;
    for (const set of this.waiters.values()) for (const w of [...set]) w.finish("changed");
    await this.source.stop();
  }
}

const holder = globalThis as { __ncConfigFeed?: ConfigChangeFeed };

/**
 * This process's feed: one LISTEN connection per replica, opened by the first long poll; a worker
 * of a replica that runs several (NC_WORKERS) hears changes from its primary process instead.
 */
export function configChangeFeed(): ConfigChangeFeed {
  holder.__ncConfigFeed ??= new ConfigChangeFeed(inReplicaWorker() ? new RelayedChangeSource() : new PgChangeSource());
  return holder.__ncConfigFeed;
}
