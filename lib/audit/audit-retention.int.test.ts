/** Audit retention: old events go, new ones stay, the prune is itself audited, and racing callers prune once. */
import { randomBytes } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { db } from "@/lib/db/client";
import { call, createTestUser } from "@/lib/testing/api-harness";
import * as prune from "@/app/api/v1/audit/prune/route";
import { auditRetentionDays, pruneAuditEvents } from "./audit-retention";

const DAY = 86_400_000;
// Per run: the rows a test keeps stay in the database for the next run to find.
const run = randomBytes(4).toString("hex");

async function seed(tag: string, ageDays: number[]) {
  const now = Date.now();
  await db.auditEvent.createMany({
    data: ageDays.map((d, i) => ({ actorName: "seed", action: `test.retention.${run}.${tag}`, targetType: "thing", targetName: `${tag}-${i}`, createdAt: new Date(now - d * DAY) })),
  });
}

const count = (tag: string) => db.auditEvent.count({ where: { action: `test.retention.${run}.${tag}` } });

afterEach(() => {
  delete process.env.NC_AUDIT_RETENTION_DAYS;
});

describe("auditRetentionDays", () => {
  it("reads whole days, empty meaning forever, and refuses anything else", () => {
    expect(auditRetentionDays({})).toBeNull();
    expect(auditRetentionDays({ NC_AUDIT_RETENTION_DAYS: " 90 " })).toBe(90);
    for (const bad of ["0", "-1", "1.5", "ninety", "99999"]) expect(() => auditRetentionDays({ NC_AUDIT_RETENTION_DAYS: bad })).toThrow(/NC_AUDIT_RETENTION_DAYS/);
  });
});

describe("pruneAuditEvents", () => {
  it("removes events older than the retention, keeps newer ones, and records audit.pruned", async () => {
    await seed("a", [400, 401, 500, 10, 0]);
    const cutoff = new Date(Date.now() - 365 * DAY);
    const old = await db.auditEvent.count({ where: { createdAt: { lt: cutoff } } });
    const since = new Date();
    // Small batches: the run must loop over several DELETEs and several runs.
    const result = await pruneAuditEvents({ retentionDays: 365, batchSize: 1, batchesPerRun: 2 });
    expect(result.ran).toBe(true);
    expect(result.removed).toBe(old);
    expect(await count("a")).toBe(2);
    expect(await db.auditEvent.count({ where: { createdAt: { lt: cutoff } } })).toBe(0);
    const events = await db.auditEvent.findMany({ where: { action: "audit.pruned", createdAt: { gte: since } } });
    expect(events.reduce((sum, e) => sum + (e.after as { removed: number }).removed, 0)).toBe(old);
    expect(events[0]!.after).toMatchObject({ retentionDays: 365 });
    expect(events[0]!.actorName).toMatch(/system/);
  });

  it("runs once when two callers race", async () => {
    await seed("b", [800, 801, 802, 803, 1]);
    const cutoff = new Date(Date.now() - 700 * DAY);
    const old = await db.auditEvent.count({ where: { createdAt: { lt: cutoff } } });
    const since = new Date();
    const [x, y] = await Promise.all([pruneAuditEvents({ retentionDays: 700 }), pruneAuditEvents({ retentionDays: 700 })]);
    expect([x.removed, y.removed].sort((a, b) => a - b)).toEqual([0, old]);
    expect(await count("b")).toBe(1);
    const pruned = await db.auditEvent.findMany({ where: { action: "audit.pruned", createdAt: { gte: since } } });
    expect(pruned).toHaveLength(1);
    expect(pruned[0]!.after).toMatchObject({ removed: old, olderThan: expect.any(String) });
  });

  it("records nothing when nothing was old enough", async () => {
    const since = new Date();
    expect((await pruneAuditEvents({ retentionDays: 36500 })).removed).toBe(0);
    expect(await db.auditEvent.count({ where: { action: "audit.pruned", createdAt: { gte: since } } })).toBe(0);
  });
});

describe("POST /api/v1/audit/prune", () => {
  it("is for system administrators only, and needs a retention setting", async () => {
    const user = await createTestUser();
    const admin = await createTestUser({ systemRole: "admin", name: "prune-admin" });
    process.env.NC_AUDIT_RETENTION_DAYS = "30";
    expect((await call(prune.POST, "POST", { as: user })).status).toBe(403);
    await seed("c", [31, 29]);
    const r = await call(prune.POST, "POST", { as: admin });
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ retentionDays: 30, ran: true });
    expect(r.json.removed).toBeGreaterThanOrEqual(1);
    expect(await count("c")).toBe(1);
    const event = await db.auditEvent.findFirstOrThrow({ where: { action: "audit.pruned" }, orderBy: { createdAt: "desc" } });
    expect(event).toMatchObject({ actorId: admin.id, clientIp: "127.0.0.1" });
    delete process.env.NC_AUDIT_RETENTION_DAYS;
    expect((await call(prune.POST, "POST", { as: admin })).status).toBe(409);
  });
});
