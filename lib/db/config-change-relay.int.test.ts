/**
 * The relay of a replica that runs several worker processes, against a real Postgres: the
 * primary's one LISTEN connection (ChangeRelay) and its workers' feeds (RelayedChangeSource), joined
 * here by in-process channels that deliver asynchronously as IPC does. The real processes and
 * their IPC are exercised by e2e/network/long-poll.lab.test.ts (a replica of two workers).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as networks from "@/app/api/v1/networks/route";
import { ipcChannel } from "@/lib/testing/ipc-channel";
import { db } from "@/lib/db/client";
import { ConfigChangeFeed } from "@/lib/db/config-change-feed";
import { ChangeRelay, RelayedChangeSource } from "@/lib/db/config-change-relay";
import { PgChangeSource } from "@/lib/db/config-change-source";
import { bumpConfigRevision } from "@/lib/networks/config-revision";
import { call, createTestUser, freshCidr } from "@/lib/testing/api-harness";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A primary's relay and `count` workers' feeds, joined. */
function replica(count: number, source = new PgChangeSource()) {
  const relay = new ChangeRelay(source);
  const feeds = Array.from({ length: count }, () => {
    const [primaryEnd, workerEnd] = ipcChannel();
    relay.add(primaryEnd);
    return new ConfigChangeFeed(new RelayedChangeSource(workerEnd));
  });
  return { relay, feeds, close: async () => void (await Promise.all([...feeds.map((f) => f.close()), relay.close()])) };
}

const listeners = async () => (await db.$queryRaw<{ n: number }[]>`SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'nc-config-feed'`)[0]!.n;
const revisionOf = async (id: string) => (await db.network.findUniqueOrThrow({ where: { id }, select: { configRevision: true } })).configRevision;

let networkId = "";
let otherNetworkId = "";

beforeAll(async () => {
  const admin = await createTestUser();
  networkId = (await call(networks.POST, "POST", { as: admin, body: { name: "relay-net", cidr: freshCidr() } })).json.network.id;
  otherNetworkId = (await call(networks.POST, "POST", { as: admin, body: { name: "relay-other", cidr: freshCidr() } })).json.network.id;
});

afterAll(async () => {
  await db.$disconnect();
});

describe("a replica of several workers: one LISTEN connection, relayed", () => {
  it("wakes the waiters of every worker on a commit, only those of the changed network, over one connection", async () => {
    const before = await listeners();
    const { feeds, close } = replica(2);
    try {
      const revision = await revisionOf(networkId);
      // Listening first (each worker subscribes on its first wait), so the waits below start after it.
      await Promise.all(feeds.map((f) => f.wait(networkId, revision, Date.now(), 1)));
      expect(await listeners(), "one LISTEN connection for both workers").toBe(before + 1);
      const waits = feeds.map((f) => f.wait(networkId, revision, Date.now(), 20_000));
      const elsewhere = feeds[1]!.wait(otherNetworkId, await revisionOf(otherNetworkId), Date.now(), 1_500);
      await sleep(100);
      expect(feeds[0]!.waiting + feeds[1]!.waiting).toBe(3);
      const changedAt = Date.now();
      await db.$transaction((tx) => bumpConfigRevision(tx, networkId));
      expect(await Promise.all(waits)).toEqual(["changed", "changed"]);
      expect(Date.now() - changedAt).toBeLessThan(10_000);
      expect(await elsewhere).toBe("timeout");
    } finally {
      await close();
    }
    expect(await listeners()).toBe(before);
  });

  it("a worker that joins after the primary listens checks again a revision read before it took messages", async () => {
    const { relay, feeds, close } = replica(1);
    try {
      const revision = await revisionOf(networkId);
      await feeds[0]!.wait(networkId, revision, Date.now(), 1);
      // A second worker, started later (as a restarted one is): a change made before it took
      // messages never reached it, so a revision read then may be stale.
      const [primaryEnd, workerEnd] = ipcChannel();
      relay.add(primaryEnd);
      const late = new ConfigChangeFeed(new RelayedChangeSource(workerEnd));
      try {
        const readBefore = Date.now() - 1_000;
        await sleep(20);
        expect(await late.wait(networkId, revision, readBefore, 20_000)).toBe("changed");
        // A revision read after it took messages waits for a change.
        const waiting = late.wait(networkId, revision, Date.now(), 20_000);
        await sleep(200);
        expect(late.waiting).toBe(1);
        await db.$transaction((tx) => bumpConfigRevision(tx, networkId));
        expect(await waiting).toBe("changed");
      } finally {
        await late.close();
      }
    } finally {
      await close();
    }
  });

  it("a lost connection wakes every worker's waiters; the next wait makes the primary listen again", async () => {
    const { feeds, close } = replica(2);
    try {
      const revision = await revisionOf(networkId);
      await Promise.all(feeds.map((f) => f.wait(networkId, revision, Date.now(), 1)));
      const waits = feeds.map((f) => f.wait(networkId, revision, Date.now(), 20_000));
      await sleep(100);
      const cut = await db.$queryRaw<{ n: number }[]>`SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity WHERE application_name = 'nc-config-feed' AND pid <> pg_backend_pid()`;
      expect(cut[0]!.n).toBeGreaterThanOrEqual(1);
      expect(await Promise.all(waits)).toEqual(["changed", "changed"]);
      // Listening again: a revision read before the new LISTEN may have changed unheard.
      expect(await feeds[0]!.wait(networkId, revision, Date.now() - 1_000, 20_000)).toBe("changed");
      const [a, b] = [feeds[0]!.wait(networkId, revision, Date.now(), 20_000), feeds[1]!.wait(networkId, revision, Date.now(), 20_000)];
      await sleep(300);
      expect(feeds[0]!.waiting + feeds[1]!.waiting).toBe(2);
      await db.$transaction((tx) => bumpConfigRevision(tx, networkId));
      expect(await Promise.all([a, b])).toEqual(["changed", "changed"]);
    } finally {
      await close();
    }
  });

  it("a primary that cannot listen makes its workers' waits fail, so their polls are answered at once", async () => {
    const { feeds, close } = replica(1, new PgChangeSource("postgres://nobody:wrong@127.0.0.1:1/none"));
    try {
      await expect(feeds[0]!.wait(networkId, 0, Date.now(), 1_000)).rejects.toThrow();
    } finally {
      await close();
    }
  });

  it("a worker whose primary does not answer gives up instead of waiting forever", async () => {
    const [, workerEnd] = ipcChannel();
    const feed = new ConfigChangeFeed(new RelayedChangeSource(workerEnd, 300));
    try {
      await expect(feed.wait(networkId, 0, Date.now(), 1_000)).rejects.toThrow(/did not answer/);
    } finally {
      await feed.close();
    }
  });
});

