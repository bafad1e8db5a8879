/**
 * A delivery outlives the process that started it: two webhook workers in two separate processes
 * (as two app replicas run them) over one database; the one that made the failed first attempt is
 * killed, and the other takes the retry from the shared queue in Postgres and completes it.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import { afterAll, beforeAll, expect, it } from "vitest";
import * as networks from "@/app/api/v1/networks/route";
import * as webhooksRoute from "@/app/api/v1/networks/[networkId]/webhooks/route";
import * as webhookRoute from "@/app/api/v1/networks/[networkId]/webhooks/[webhookId]/route";
import * as testRoute from "@/app/api/v1/networks/[networkId]/webhooks/[webhookId]/test/route";
import { db } from "@/lib/db/client";
import { call, createTestUser, freshCidr, type TestUser } from "@/lib/testing/api-harness";
import { startWebhookReceiver, type WebhookReceiver } from "@/lib/testing/webhook-receiver";
import { BOSS_SCHEMA, DELIVERY_QUEUE } from "./queue";

process.env.NC_WEBHOOK_ALLOW_PRIVATE = "1";
// Retry settings travel with each job, from the process that enqueues it.
process.env.NC_WEBHOOK_RETRY_BASE_SECONDS = "3";

interface WorkerLine {
  pid: number;
  event: "ready" | "attempt";
  deliveryId?: string;
  attempt?: number;
  ok?: boolean;
}

interface WorkerProcess {
  child: ChildProcess;
  lines: WorkerLine[];
}

const workers: WorkerProcess[] = [];
let admin: TestUser;
let networkId: string;
let receiver: WebhookReceiver;

function startWorkerProcess(): WorkerProcess {
  // Its own process, its own pg-boss pool; only DATABASE_URL is shared. A 3 s retry base leaves
  // time to kill the first worker before the retry is due.
  // tsx as a loader inside this one node process: its CLI would run the script in a child of its own, which SIGKILL would orphan.
  const child = spawn(process.execPath, ["--import", "tsx", "lib/testing/webhook-worker-process.ts"], {
    env: { ...process.env, NC_WEBHOOK_ALLOW_PRIVATE: "1" },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const worker: WorkerProcess = { child, lines: [] };
  createInterface({ input: child.stdout! }).on("line", (line) => {
    try {
      worker.lines.push(JSON.parse(line) as WorkerLine);
    } catch {
      // not one of ours
    }
  });
  workers.push(worker);
  return worker;
}

async function until<T>(what: string, check: () => T | undefined | Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

beforeAll(async () => {
  admin = await createTestUser();
  networkId = (await call(networks.POST, "POST", { as: admin, body: { name: "webhooks-failover", cidr: freshCidr() } })).json.network.id;
  receiver = await startWebhookReceiver();
  const a = startWorkerProcess();
  const b = startWorkerProcess();
  await until("both worker processes to start", () => (a.lines.some((l) => l.event === "ready") && b.lines.some((l) => l.event === "ready") ? true : undefined), 90_000);
});

afterAll(async () => {
  for (const w of workers) if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill("SIGTERM");
  await Promise.all(workers.map((w) => (w.child.exitCode === null && w.child.signalCode === null ? new Promise((r) => w.child.once("exit", r)) : null)));
  await receiver?.close();
});

it("the worker that failed the first attempt is killed; the other process retries and completes the delivery", async () => {
  const created = await call(webhooksRoute.POST, "POST", { as: admin, params: { networkId }, body: { url: receiver.url, events: ["rules.changed"] } });
  expect(created.status, JSON.stringify(created.json)).toBe(201);
  receiver.secret = created.json.secret;
  receiver.script = [500];
  const sent = await call(testRoute.POST, "POST", { as: admin, params: { networkId, webhookId: created.json.webhook.id } });
  const deliveryId = sent.json.deliveryId as string;
  const jobId = (await db.webhookDelivery.findUniqueOrThrow({ where: { id: deliveryId } })).jobId;

  const first = await until("the first attempt", () => workers.find((w) => w.lines.some((l) => l.event === "attempt" && l.deliveryId === deliveryId)));
  const survivor = workers.find((w) => w !== first)!;
  expect(first.lines.find((l) => l.event === "attempt" && l.deliveryId === deliveryId)).toMatchObject({ attempt: 1, ok: false });
  // The failure is on record in the queue (state retry, due in 3-6 s): now the replica dies.
  await until("the job to wait for its retry", async () => {
    const rows = await db.$queryRawUnsafe<Array<{ state: string }>>(`SELECT state::text FROM ${BOSS_SCHEMA}.job WHERE name = $1 AND id = $2::uuid`, DELIVERY_QUEUE, jobId);
    return rows[0]?.state === "retry" ? true : undefined;
  });
  first.child.kill("SIGKILL");
  await new Promise((r) => first.child.once("exit", r));

  const retried = await until("the other process's attempt", () => survivor.lines.find((l) => l.event === "attempt" && l.deliveryId === deliveryId), 30_000);
  expect(retried).toMatchObject({ attempt: 2, ok: true, pid: survivor.child.pid });
  const row = await until("the delivery to be delivered", async () => {
    const r = await db.webhookDelivery.findUniqueOrThrow({ where: { id: deliveryId } });
    return r.status === "delivered" ? r : undefined;
  });
  expect(row.attempts).toBe(2);
  expect(receiver.received.map((r) => [r.answered, r.verified, r.headers["webhook-id"]])).toEqual([
    [500, true, deliveryId],
    [200, true, deliveryId],
  ]);
  await call(webhookRoute.DELETE, "DELETE", { as: admin, params: { networkId, webhookId: created.json.webhook.id } });
});
