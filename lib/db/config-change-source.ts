/**
 * Where a replica hears that a network's config changed: every change bumps the network's config
 * revision and, in the same transaction, sends NOTIFY on CONFIG_CHANNEL
 * (lib/networks/config-revision.ts), which Postgres delivers on commit only, to every listener.
 */
import pg from "pg";
import { pgConfigFromUrl } from "./pg-config";

export const CONFIG_CHANNEL = "nc_config_changed";

/** `<network id>:<revision>`, as config-revision.ts sends it; anything else is ignored. */
export function parseChange(payload: string | undefined): { networkId: string; revision: number } | null {
  const m = /^([0-9a-f-]{36}):(\d+)$/.exec(payload ?? "");
  return m ? { networkId: m[1]!, revision: Number(m[2]) } : null;
}

/** What a source tells its feed: a network's new revision, or that changes may have gone unheard. */
export interface ChangeHandlers {
  changed(networkId: string, revision: number): void;
  lost(error: Error): void;
}

/**
 * Where a feed hears changes: its own LISTEN connection (PgChangeSource), or, in a worker process
 * of a replica, the replica's primary process, which holds the one connection for all of its
 * workers (config-change-relay.ts).
 */
export interface ChangeSource {
  /**
   * Starts hearing changes. Resolves with the time (epoch ms) from which none is missed; rejects
   * when it cannot. After `lost`, the feed may start it again.
   */
  start(handlers: ChangeHandlers): Promise<number>;
  stop(): Promise<void>;
}

/** One LISTEN connection of this process's own. */
export class PgChangeSource implements ChangeSource {
  private client: pg.Client | null = null;

  constructor(private readonly connectionUrl: string | undefined = process.env.DATABASE_URL) {}

  async start(handlers: ChangeHandlers): Promise<number> {
    const client = new pg.Client({ ...pgConfigFromUrl(this.connectionUrl), application_name: "nc-config-feed" });
    // Known at once, so that stop() ends a connection still being opened.
    this.client = client;
    // Lost is said once, and only for a connection that was listening (a failed connect rejects instead).
    let live = false;
    const lost = (error: Error) => {
      if (!live) return;
      live = false;
      if (this.client === client) this.client = null;
      client.end().catch(() => {});
      handlers.lost(error);
    };
    client.on("notification", (msg) => {
      const change = parseChange(msg.payload);
      if (msg.channel === CONFIG_CHANNEL && change) handlers.changed(change.networkId, change.revision);
    });
    client.on("error", lost);
    client.on("end", () => lost(new Error("connection ended")));
    try {
      await client.connect();
      await client.query(`LISTEN ${CONFIG_CHANNEL}`);
    } catch (error) {
      if (this.client === client) this.client = null;
      await client.end().catch(() => {});
      throw error;
    }
    if (this.client !== client) throw new Error("stopped while connecting");
    live = true;
    return Date.now();
  }

  async stop(): Promise<void> {
    const client = this.client;
    this.client = null;
    // Ended on purpose: its "end" must not count as a loss.
    client?.removeAllListeners("end");
    client?.removeAllListeners("error");
    client?.on("error", () => {});
    await client?.end().catch(() => {});
  }
}

