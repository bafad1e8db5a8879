import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import * as setup from "@/app/api/setup/route";
import { SETUP_LIMIT } from "@/app/api/setup/route";
import { db } from "@/lib/db/client";
import { call } from "@/lib/testing/api-harness";
import { hitCounter, pruneSoon, prunesSettled } from "./rate-counter";

// Valid in form, wrong in code: answered 400 or 409 (setup done), never 201; 429 once limited.
const wrongCode = { username: "limit-probe", displayName: "Probe", email: "probe@example.test", password: "long enough password", code: "WRONG-WRONG-WRONG" };

describe("rate counters", () => {
  it("counts addresses in one IPv6 /64 as one address (rotating through a /64 does not help)", async () => {
    // A fresh /64 per run; SETUP_LIMIT.max attempts spread over distinct addresses in it, then one more.
    const prefix = `2001:db8:${randomBytes(2).toString("hex")}:${randomBytes(2).toString("hex")}`;
    const statuses: number[] = [];
    for (let i = 1; i <= SETUP_LIMIT.max + 1; i++) {
      statuses.push((await call(setup.POST, "POST", { body: wrongCode, headers: { "x-nc-client-ip": `${prefix}::${i.toString(16)}` } })).status);
    }
    expect(statuses.at(-1)).toBe(429);
    // The neighbouring /64 is someone else.
    const next = await call(setup.POST, "POST", { body: wrongCode, headers: { "x-nc-client-ip": `${prefix.replace(/:[0-9a-f]+$/, ":ffff")}::1` } });
    expect(next.status).not.toBe(429);
  });

  it("prunes expired windows on its own, from the counting path", async () => {
    const key = `test:old:${randomBytes(4).toString("hex")}`;
    await db.rateCounter.create({ data: { key, windowStart: new Date(Date.now() - 3 * 24 * 3600_000), count: 3 } });
    await db.rateBackoff.create({ data: { key, attempts: 4, blockedUntil: new Date(Date.now() - 3 * 24 * 3600_000), updatedAt: new Date(Date.now() - 3 * 24 * 3600_000) } });
    const fresh = `test:fresh:${randomBytes(4).toString("hex")}`;
    pruneSoon(); // as if this replica had not pruned for a while
    await hitCounter(fresh, 60);
    await prunesSettled();
    expect(await db.rateBackoff.count({ where: { key } })).toBe(0);
    expect(await db.rateCounter.count({ where: { key } })).toBe(0);
    expect(await db.rateCounter.count({ where: { key: fresh } })).toBe(1);
  });
});
