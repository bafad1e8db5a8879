/**
 * Long polling across replicas: two replicas over one Postgres (the lab's app, "A", one process,
 * and a second replica this suite starts, "B", that runs as two worker processes behind one port:
 * NC_WORKERS=2). A host's poll held by B is answered when a change is made through A (Postgres
 * LISTEN/NOTIFY, heard by B's primary process and passed to its workers; no other channel between
 * A and B); a held poll cut by killing B is retried by the agent's own client and converges on the
 * change made meanwhile; a host that goes away mid-wait frees its place in B's bound at once; a
 * worker of B that dies is started again, and hears changes like the other.
 * Hosts are nc-agent's control-plane client, speaking to the real servers over HTTP.
 */
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pollConfig, reportHeaders, type PollOutcome, type Report } from "@/lib/agent/control-plane";
import { createTestUser } from "@/lib/testing/api-harness";
import { hostKeyPair } from "@/lib/testing/nebula-tools";
import { startService, waitForHttp, type Started } from "../../scripts/lib/processes";
import { Api, APP_URL, sleep, waitFor } from "./lab-api";

const ROOT = path.resolve(import.meta.dirname, "../..");
/** Replica A is the lab's app, reached on loopback (the lab's bridge may not exist yet). */
const A = `http://127.0.0.1:${new URL(APP_URL || "http://127.0.0.1:3200").port}`;
const B_PORT = 3211;
const B = `http://127.0.0.1:${B_PORT}`;
const METRICS_TOKEN = "long-poll-lab-metrics";
/** Polls replica B holds right now, from its /metrics. */
async function heldOnB(): Promise<number> {
  const text = await (await fetch(`${B}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` }, signal: AbortSignal.timeout(10_000) })).text();
  return Number(/^nc_long_polls_waiting (\d+)/m.exec(text)?.[1] ?? Number.NaN);
}
/** A change reaches a held poll in well under a second here; 10 s leaves room for a loaded machine, and is far below the wait. */
const WAKE_BOUND_MS = 10_000;

let api: Api;
let replicaB: Started | null = null;
let networkId = "";
let credential = "";
let etag = "";

async function startB(): Promise<void> {
  replicaB = startService("replica-b", "npx", ["tsx", "server.ts"], {
    cwd: ROOT,
    env: { ...process.env, PORT: String(B_PORT), HOST: "127.0.0.1", NEXTAUTH_URL: B, NODE_ENV: "production", NEXT_TELEMETRY_DISABLED: "1", METRICS_TOKEN: METRICS_TOKEN, NC_WORKERS: "2" },
  });
  await waitForHttp(`${B}/api/health`, 90_000, replicaB);
}

/** B's worker processes: the processes under B running server.ts that have no child of their own (the primary has them). */
function workersOfB(): number[] {
  const parents = new Map<number, number>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // The parent is the 4th field of stat, after the command in parentheses.
      parents.set(Number(entry), Number(readFileSync(`/proc/${entry}/stat`, "utf8").split(") ")[1]!.split(" ")[1]));
    } catch {
      // Gone meanwhile.
    }
  }
  const under = (pid: number): boolean => {
    for (let p = pid, hops = 0; p > 1 && hops < 20; p = parents.get(p) ?? 0, hops++) if (p === replicaB?.child.pid) return true;
    return false;
  };
  const hasChild = new Set(parents.values());
  return [...parents.keys()].filter((pid) => {
    if (hasChild.has(pid) || !under(pid)) return false;
    try {
      return readFileSync(`/proc/${pid}/cmdline`, "utf8").includes("server.ts");
    } catch {
      return false;
    }
  });
}

/**
 * Several polls of the host held on B at once, each on a connection of its own: B's primary hands
 * new connections to its workers in turn, so both workers hold some.
 */
async function holdOnBothWorkers(count: number): Promise<Array<Promise<PollOutcome>>> {
  const before = await heldOnB();
  const polls = Array.from({ length: count }, () => pollConfig(B, credential, "/etc/nebula", report()));
  await waitFor(`replica B to hold ${count} more polls`, async () => (await heldOnB()) === before + count, { timeoutMs: 10_000, intervalMs: 100 });
  return polls;
}

/** Kills B at once, as a crash would (no graceful answer to its held polls). */
function killB(): void {
  const pid = replicaB?.child.pid;
  if (pid) process.kill(-pid, "SIGKILL");
  replicaB = null;
}

const report = (): Report => ({ fetched: etag || null, applied: etag || null, nebula: "running", nebulaVersion: "1.10.3", agent: "nc-agent/lab", error: null });
const addRule = (port: string) => api.call("POST", `/api/v1/networks/${networkId}/rules`, { direction: "inbound", port, proto: "tcp", peer: { kind: "any" }, appliesTo: { kind: "all" }, description: `long-poll lab ${port}` });

beforeAll(async () => {
  await waitForHttp(`${A}/api/health`, 60_000);
  await startB();
  api = new Api(await createTestUser({ name: "long-poll-admin" }), A);
  const { network } = await api.call("POST", "/api/v1/networks", { name: `long-poll ${Date.now()}`, cidr: `10.215.${Math.floor(Math.random() * 250)}.0/24` });
  networkId = network.id;
  const { token } = await api.call("POST", `/api/v1/networks/${networkId}/links`, { maxUses: 1 });
  const enrolled = await fetch(`${A}/api/v1/enroll`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ token, hostname: "long-poller", publicKeyPem: (await hostKeyPair()).publicKeyPem }),
  });
  expect(enrolled.status).toBe(201);
  credential = ((await enrolled.json()) as { credential: string }).credential;
  const first = await pollConfig(B, credential, "/etc/nebula", report(), 0);
  expect(first.kind).toBe("config");
  if (first.kind === "config") etag = first.payload.etag;
}, 180_000);

afterAll(async () => {
  await replicaB?.stop();
});

describe("long polling across two replicas over one Postgres", () => {
  it("a change made through replica A answers the poll held by replica B at once", async () => {
    const started = Date.now();
    const held = pollConfig(B, credential, "/etc/nebula", report());
    await sleep(1_000);
    const changedAt = Date.now();
    await addRule("7101");
    const outcome = await held;
    const wakeMs = Date.now() - changedAt;
    console.log(`[long-poll] held ${changedAt - started} ms on B, answered ${wakeMs} ms after the change on A`);
    expect(outcome.kind).toBe("config");
    if (outcome.kind !== "config") return;
    expect(outcome.payload.config).toContain("7101");
    expect(wakeMs).toBeLessThan(WAKE_BOUND_MS);
    etag = outcome.payload.etag;
  });

  it("one change through A answers the polls held by both of B's worker processes", async () => {
    expect(workersOfB()).toHaveLength(2);
    const held = await holdOnBothWorkers(4);
    const changedAt = Date.now();
    await addRule("7103");
    const outcomes = await Promise.all(held);
    const wakeMs = Date.now() - changedAt;
    console.log(`[long-poll] 4 polls held by B's two workers, all answered ${wakeMs} ms after the change on A`);
    expect(wakeMs).toBeLessThan(WAKE_BOUND_MS);
    for (const outcome of outcomes) {
      expect(outcome.kind).toBe("config");
      if (outcome.kind === "config") expect(outcome.payload.config).toContain("7103");
    }
    if (outcomes[0]?.kind === "config") etag = outcomes[0].payload.etag;
  });

  it("a worker of B that dies is started again by B's primary, and hears changes like the other", async () => {
    const [victim, survivor] = workersOfB();
    process.kill(victim!, "SIGKILL");
    const replaced = await waitFor(
      "B's primary to start a new worker",
      async () => {
        const now = workersOfB();
        return now.length === 2 && !now.includes(victim!) && now.includes(survivor!) ? now : null;
      },
      { timeoutMs: 60_000, intervalMs: 250 },
    );
    expect(replaced).toHaveLength(2);
    // Serving again: the new worker has started Next and listens (health answers from either).
    await waitForHttp(`${B}/api/health`, 60_000);
    await sleep(2_000);
    const held = await holdOnBothWorkers(4);
    const changedAt = Date.now();
    await addRule("7104");
    const outcomes = await Promise.all(held);
    expect(Date.now() - changedAt).toBeLessThan(WAKE_BOUND_MS);
    for (const outcome of outcomes) {
      expect(outcome.kind).toBe("config");
      if (outcome.kind === "config") expect(outcome.payload.config).toContain("7104");
    }
    if (outcomes[0]?.kind === "config") etag = outcomes[0].payload.etag;
  });

  it("a host that goes away mid-wait frees its place at once (the bound counts only live polls)", async () => {
    const controller = new AbortController();
    // The agent's own report (its nebula version included): a poll that reports another version
    // than the last one is answered at once, since its config is written for that version.
    const spec = { authorization: `Bearer ${credential}`, ...reportHeaders(report()), prefer: "wait=30" };
    const held = fetch(`${B}/api/v1/node/config?dir=%2Fetc%2Fnebula`, { headers: spec, signal: controller.signal }).catch((e: unknown) => e);
    await waitFor("replica B to hold the poll", async () => (await heldOnB()) === 1, { timeoutMs: 10_000, intervalMs: 100 });
    controller.abort();
    expect(await held).toBeInstanceOf(Error);
    await waitFor("replica B to let go of the abandoned poll", async () => (await heldOnB()) === 0, { timeoutMs: 5_000, intervalMs: 100 });
  });

  it("an agent whose held poll is cut (replica B killed) retries and converges on the change made meanwhile", async () => {
    const held = pollConfig(B, credential, "/etc/nebula", report()).then(
      (o) => o,
      (e: unknown) => e as Error,
    );
    await sleep(1_000);
    killB();
    const cut = await held;
    expect(cut, "the held poll fails when its replica dies").toBeInstanceOf(Error);
    await addRule("7102");
    await startB();
    // The agent's retry: bounded in count and time, as its loop is.
    let outcome: PollOutcome | Error = cut as Error;
    for (let attempt = 0; attempt < 10 && !(outcome && !(outcome instanceof Error) && outcome.kind === "config"); attempt++) {
      outcome = await pollConfig(B, credential, "/etc/nebula", report()).catch((e: unknown) => e as Error);
      if (outcome instanceof Error) await sleep(1_000);
    }
    expect(outcome instanceof Error ? outcome.message : outcome.kind).toBe("config");
    if (outcome instanceof Error || outcome.kind !== "config") return;
    expect(outcome.payload.config).toContain("7101");
    expect(outcome.payload.config).toContain("7102");
  });
});
