/**
 * Long polling against a real Postgres: held polls answer when a committed change reaches them
 * through LISTEN/NOTIFY, and only then; a rollback, another network's change, or a change that
 * leaves the host's bundle as it was, answers nobody early; past the bound, polls are plain again.
 * ConfigChangeFeed instances stand for replicas: each has its own LISTEN connection.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as networks from "@/app/api/v1/networks/route";
import * as networkRoute from "@/app/api/v1/networks/[networkId]/route";
import * as links from "@/app/api/v1/networks/[networkId]/links/route";
import * as rules from "@/app/api/v1/networks/[networkId]/rules/route";
import * as groups from "@/app/api/v1/networks/[networkId]/groups/route";
import * as block from "@/app/api/v1/networks/[networkId]/nodes/[nodeId]/block/route";
import * as enrollRoute from "@/app/api/v1/enroll/route";
import * as configRoute from "@/app/api/v1/node/config/route";
import * as filesRoute from "@/app/api/v1/node/files/[file]/route";
import { db } from "@/lib/db/client";
import { ConfigChangeFeed } from "@/lib/db/config-change-feed";
import { bumpConfigRevision } from "@/lib/networks/config-revision";
import { metrics } from "@/lib/metrics/registry";
import { call, createTestUser, freshCidr, type TestUser } from "@/lib/testing/api-harness";
import { hostKeyPair } from "@/lib/testing/nebula-tools";

let admin: TestUser;
let networkId: string;
let otherNetworkId: string;
let credential: string;
let etag: string;

const address = `203.0.113.${1 + Math.floor(Math.random() * 250)}`;

async function poll(opts: { wait?: number; etag?: string | null; route?: "config" | "files"; credential?: string; headers?: Record<string, string> } = {}) {
  const url = opts.route === "files" ? "http://localhost/api/v1/node/files/config.yml?dir=/etc/nebula" : "http://localhost/api/v1/node/config?dir=/etc/nebula";
  const headers: Record<string, string> = { authorization: `Bearer ${opts.credential ?? credential}`, "x-nc-client-ip": address, ...opts.headers };
  if (opts.etag !== null) headers["if-none-match"] = opts.etag ?? etag;
  if (opts.wait !== undefined) headers.prefer = `wait=${opts.wait}`;
  const started = Date.now();
  const handler = opts.route === "files" ? filesRoute.GET : configRoute.GET;
  const res = await handler(new Request(url, { headers }), { params: Promise.resolve(opts.route === "files" ? { file: "config.yml" } : {}) });
  const text = await res.text();
  return { text, status: res.status, etag: res.headers.get("etag"), applied: res.headers.get("preference-applied"), connection: res.headers.get("connection"), ms: Date.now() - started };
}

/** Whether a promise has settled yet, without waiting for it. */
function settled(p: Promise<unknown>): () => boolean {
  let done = false;
  void p.finally(() => (done = true));
  return () => done;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const wakeCount = async () => (await metrics().longPolls.get()).values.find((v) => v.labels.end === "changed")?.value ?? 0;

beforeAll(async () => {
  admin = await createTestUser();
  networkId = (await call(networks.POST, "POST", { as: admin, body: { name: "long-poll-net", cidr: freshCidr() } })).json.network.id;
  otherNetworkId = (await call(networks.POST, "POST", { as: admin, body: { name: "long-poll-other", cidr: freshCidr() } })).json.network.id;
  const link = await call(links.POST, "POST", { as: admin, params: { networkId }, body: {} });
  const enrolled = await call(enrollRoute.POST, "POST", { body: { token: link.json.token, hostname: "waiter", publicKeyPem: (await hostKeyPair()).publicKeyPem }, headers: { "x-nc-client-ip": address } });
  expect(enrolled.status, JSON.stringify(enrolled.json)).toBe(201);
  credential = enrolled.json.credential;
  const first = await poll({ etag: null });
  expect(first.status).toBe(200);
  etag = first.etag!;
});

afterAll(() => {
  delete process.env.NC_LONG_POLL_MAX_WAITING;
});

describe("long polling (Prefer: wait)", () => {
  it("holds an unchanged poll and answers it with the new bundle as soon as a rule change commits", async () => {
    const held = poll({ wait: 30 });
    const done = settled(held);
    await sleep(800);
    expect(done(), "the poll is held while nothing changes").toBe(false);
    const rule = await call(rules.POST, "POST", { as: admin, params: { networkId }, body: { direction: "inbound", port: "7001", proto: "tcp", peer: { kind: "any" }, appliesTo: { kind: "all" } } });
    expect(rule.status, JSON.stringify(rule.json)).toBe(201);
    const answer = await held;
    expect(answer.status).toBe(200);
    expect(answer.etag).not.toBe(etag);
    expect(answer.applied).toBe("wait=30");
    // Answered by the change, not by the end of the wait.
    expect(answer.ms).toBeLessThan(25_000);
    etag = answer.etag!;
  });

  it("keeps waiting through a change that leaves this host's bundle as it was, and through a rollback or another network's change", async () => {
    const wakesBefore = await wakeCount();
    const held = poll({ wait: 3 });
    await sleep(400);
    // A committed bump (nothing in the bundle changes), a rolled-back one, and another network's.
    await db.$transaction((tx) => bumpConfigRevision(tx, networkId));
    await db.$transaction(async (tx) => {
      await bumpConfigRevision(tx, networkId);
      throw new Error("roll back");
    }).catch(() => {});
    await db.$transaction((tx) => bumpConfigRevision(tx, otherNetworkId));
    const answer = await held;
    expect(answer.status).toBe(304);
    expect(answer.applied).toBe("wait=3");
    expect(answer.ms).toBeGreaterThanOrEqual(2_900);
    // It woke once (the committed bump of its own network), checked, and went on waiting.
    expect((await wakeCount()) - wakesBefore).toBe(1);
  });

  it("never holds a poll longer than the network's interval, and hears a shorter interval at once", async () => {
    const held = poll({ wait: 55 });
    await sleep(400);
    expect((await call(networkRoute.PATCH, "PATCH", { as: admin, params: { networkId }, body: { pollSeconds: 5 } })).status).toBe(200);
    const answer = await held;
    expect(answer.status).toBe(304);
    expect(answer.applied).toBe("wait=5");
    expect(answer.ms).toBeLessThan(20_000);
    const next = await poll({ wait: 55 });
    expect(next.applied).toBe("wait=5");
    expect(next.ms).toBeGreaterThanOrEqual(4_900);
  });

  it("serves the POSIX agent's file route the same way", async () => {
    const answer = await poll({ wait: 2, route: "files" });
    expect(answer.status).toBe(304);
    expect(answer.applied).toBe("wait=2");
  });

  it("answers at once, as a plain poll, past the replica's bound of held polls", async () => {
    process.env.NC_LONG_POLL_MAX_WAITING = "0";
    try {
      const answer = await poll({ wait: 30 });
      expect(answer.status).toBe(304);
      expect(answer.applied).toBeNull();
      expect(answer.connection).toBe("close");
      expect(answer.ms).toBeLessThan(10_000);
    } finally {
      delete process.env.NC_LONG_POLL_MAX_WAITING;
    }
  });
});

describe("polls woken together (answered in chunks, poll-recheck.ts)", () => {
  it("answers each woken host with its own bundle, exactly as a single poll would, and records it", async () => {
    const net = (await call(networks.POST, "POST", { as: admin, body: { name: "long-poll-batch", cidr: freshCidr() } })).json.network.id as string;
    expect((await call(groups.POST, "POST", { as: admin, params: { networkId: net }, body: { name: "web" } })).status).toBe(201);
    const hosts: Array<{ name: string; credential: string; nodeId: string; etag: string; web: boolean }> = [];
    for (const [i, web] of [true, true, true, false, false, true].entries()) {
      const link = await call(links.POST, "POST", { as: admin, params: { networkId: net }, body: { presetGroups: web ? ["web"] : [] } });
      const name = `batch-${i}`;
      const enrolled = await call(enrollRoute.POST, "POST", { body: { token: link.json.token, hostname: name, publicKeyPem: (await hostKeyPair()).publicKeyPem }, headers: { "x-nc-client-ip": address } });
      expect(enrolled.status, JSON.stringify(enrolled.json)).toBe(201);
      const first = await poll({ etag: null, credential: enrolled.json.credential });
      hosts.push({ name, credential: enrolled.json.credential, nodeId: enrolled.json.nodeId, etag: first.etag!, web });
    }
    const [blocked, ...rest] = hosts;
    const report = (h: (typeof hosts)[number]) => ({ "x-nc-applied": h.etag, "x-nc-nebula": "running", "x-nc-agent": "nc-agent/0.2.0" });
    /** The woken answer is the very bundle a single poll renders, recorded as rendered: the next poll with its ETag is a 304. */
    const expectSameAsSinglePoll = async (h: (typeof hosts)[number], answer: Awaited<ReturnType<typeof poll>>) => {
      expect(answer.status, h.name).toBe(200);
      expect(JSON.parse(answer.text).config).toContain(`for node ${h.name} of`);
      const single = await poll({ etag: null, credential: h.credential });
      expect(single.etag, h.name).toBe(answer.etag);
      expect(single.text, h.name).toBe(answer.text);
      expect((await poll({ credential: h.credential, etag: answer.etag })).status, h.name).toBe(304);
      h.etag = answer.etag!;
    };

    // A rule for "web": its hosts are answered at once; the others check, find the same bundle, and wait on.
    let held = rest.map((h) => poll({ wait: 4, credential: h.credential, etag: h.etag, headers: report(h) }));
    await sleep(600);
    const rule = await call(rules.POST, "POST", { as: admin, params: { networkId: net }, body: { direction: "inbound", port: "7443", proto: "tcp", peer: { kind: "any" }, appliesTo: { kind: "group", group: "web" } } });
    expect(rule.status, JSON.stringify(rule.json)).toBe(201);
    let answers = await Promise.all(held);
    for (const [i, h] of rest.entries()) {
      if (h.web) {
        expect(answers[i]!.ms, h.name).toBeLessThan(3_500);
        expect(answers[i]!.text).toContain("7443");
        await expectSameAsSinglePoll(h, answers[i]!);
      } else {
        expect(answers[i]!.status, h.name).toBe(304);
        expect(answers[i]!.ms, h.name).toBeGreaterThanOrEqual(3_900);
      }
    }
    const rows = await db.node.findMany({ where: { id: { in: rest.map((h) => h.nodeId) } }, select: { nebulaState: true, agentVersion: true } });
    expect(rows.every((r) => r.nebulaState === "running" && r.agentVersion === "nc-agent/0.2.0")).toBe(true);

    // Blocking a host changes every bundle (the blocklist): all are answered, the blocked one with why.
    blocked!.etag = (await poll({ etag: null, credential: blocked!.credential })).etag!;
    held = rest.map((h) => poll({ wait: 30, credential: h.credential, etag: h.etag }));
    const heldBlocked = poll({ wait: 30, credential: blocked!.credential, etag: blocked!.etag });
    await sleep(600);
    expect((await call(block.POST, "POST", { as: admin, params: { networkId: net, nodeId: blocked!.nodeId } })).status).toBe(200);
    expect((await heldBlocked).status).toBe(403);
    answers = await Promise.all(held);
    for (const [i, h] of rest.entries()) {
      expect(answers[i]!.ms, h.name).toBeLessThan(20_000);
      await expectSameAsSinglePoll(h, answers[i]!);
    }
  });
});

describe("the change feed (one LISTEN connection per replica)", () => {
  it("wakes the waiters of every replica on a commit, and only those of the changed network", async () => {
    const a = new ConfigChangeFeed();
    const b = new ConfigChangeFeed();
    try {
      const { configRevision } = await db.network.findUniqueOrThrow({ where: { id: networkId }, select: { configRevision: true } });
      const readAt = Date.now();
      // Listening first, so that the wait below cannot start after the change it waits for.
      await Promise.all([a.wait(networkId, configRevision, Date.now(), 1), b.wait(networkId, configRevision, Date.now(), 1)]);
      const onA = a.wait(networkId, configRevision, Date.now(), 20_000);
      const onB = b.wait(networkId, configRevision, Date.now(), 20_000);
      const elsewhere = b.wait(otherNetworkId, Number.MAX_SAFE_INTEGER - 1, Date.now(), 1_500);
      await sleep(100);
      expect(a.waiting + b.waiting).toBe(3);
      await db.$transaction((tx) => bumpConfigRevision(tx, networkId));
      expect(await Promise.all([onA, onB, elsewhere])).toEqual(["changed", "changed", "timeout"]);
      expect(a.waiting + b.waiting).toBe(0);
      // A revision read before the NOTIFY arrived is answered at once.
      expect(await a.wait(networkId, configRevision, readAt, 20_000)).toBe("changed");
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it("wakes its waiters when its connection is cut, and listens again on the next wait", async () => {
    const feed = new ConfigChangeFeed();
    try {
      const { configRevision } = await db.network.findUniqueOrThrow({ where: { id: networkId }, select: { configRevision: true } });
      await feed.wait(networkId, configRevision, Date.now(), 1);
      const waiting = feed.wait(networkId, configRevision, Date.now(), 20_000);
      const cut = await db.$queryRaw<{ n: number }[]>`SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity WHERE application_name = 'nc-config-feed' AND pid <> pg_backend_pid()`;
      expect(cut[0]!.n).toBeGreaterThanOrEqual(1);
      expect(await waiting).toBe("changed");
      // Listening again: a revision read before the new LISTEN may have changed unheard.
      expect(await feed.wait(networkId, configRevision, Date.now() - 1_000, 20_000)).toBe("changed");
      const again = feed.wait(networkId, configRevision, Date.now(), 20_000);
      await sleep(300);
      expect(feed.waiting).toBe(1);
      await db.$transaction((tx) => bumpConfigRevision(tx, networkId));
      expect(await again).toBe("changed");
    } finally {
      await feed.close();
    }
  });

  it("answers an aborted wait at once, and a closed feed refuses to wait", async () => {
    const feed = new ConfigChangeFeed();
    await feed.wait(networkId, 0, Date.now(), 1);
    const controller = new AbortController();
    const waiting = feed.wait(networkId, Number.MAX_SAFE_INTEGER - 1, Date.now(), 20_000, controller.signal);
    await sleep(300);
    controller.abort();
    expect(await waiting).toBe("aborted");
    expect(feed.waiting).toBe(0);
    await feed.close();
    await expect(feed.wait(networkId, 0, Date.now(), 1_000)).rejects.toThrow(/shutting down/);
  });
});
