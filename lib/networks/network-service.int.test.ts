import { afterEach, describe, expect, it } from "vitest";
import * as networks from "@/app/api/v1/networks/route";
import * as network from "@/app/api/v1/networks/[networkId]/route";
import { db } from "@/lib/db/client";
import { call, createTestUser, freshCidr } from "@/lib/testing/api-harness";
import { testHooks } from "./network-service";

afterEach(() => {
  delete testHooks.afterNetworkWrite;
});

describe("creating networks", () => {
  it("creates the network, its owner membership and an audit event", async () => {
    const user = await createTestUser();
    const cidr = freshCidr();
    const r = await call(networks.POST, "POST", { as: user, body: { name: "lab", cidr, description: "test lab" } });
    expect(r.status).toBe(201);
    const id = r.json.network.id;
    expect(await db.networkMember.findFirst({ where: { networkId: id, userId: user.id, role: "owner" } })).not.toBeNull();
    const event = await db.auditEvent.findFirstOrThrow({ where: { networkId: id, action: "network.create" } });
    expect(event).toMatchObject({ actorId: user.id, actorName: user.displayName, targetName: "lab", clientIp: "127.0.0.1" });
    expect(event.after).toMatchObject({ name: "lab", cidr, description: "test lab", ca: { name: "lab CA" } });
    expect(event.requestId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("rejects a range overlapping one of the user's networks, as a field error", async () => {
    const user = await createTestUser();
    await call(networks.POST, "POST", { as: user, body: { name: "wide", cidr: "172.20.0.0/16" } });
    const r = await call(networks.POST, "POST", { as: user, body: { name: "inside", cidr: "172.20.5.0/24" } });
    expect(r.status).toBe(400);
    expect(r.json.error.fields.cidr[0]).toContain('Overlaps your network "wide"');
    expect(await db.network.count({ where: { name: "inside", members: { some: { userId: user.id } } } })).toBe(0);
  });

  it("lets only one of two concurrent overlapping creates through", async () => {
    const user = await createTestUser();
    const results = await Promise.all(
      ["192.168.50.0/24", "192.168.50.0/25", "192.168.50.0/26"].map((cidr, i) => call(networks.POST, "POST", { as: user, body: { name: `race-${i}`, cidr } })),
    );
    expect(results.map((r) => r.status).filter((s) => s === 201)).toHaveLength(1);
    expect(await db.network.count({ where: { members: { some: { userId: user.id } } } })).toBe(1);
  });

  it("accepts a public range only with explicit confirmation", async () => {
    const user = await createTestUser();
    const refused = await call(networks.POST, "POST", { as: user, body: { name: "public", cidr: "198.18.0.0/24" } });
    expect(refused.status).toBe(400);
    expect(refused.json.error.fields.cidr[0]).toMatch(/public range/);
    const ok = await call(networks.POST, "POST", { as: user, body: { name: "public", cidr: "198.18.0.0/24", confirmPublicRange: true } });
    expect(ok.status).toBe(201);
  });
});

describe("audit events share the change's transaction", () => {
  it("a failure after the write leaves neither the network nor its audit row", async () => {
    const user = await createTestUser();
    const before = { networks: await db.network.count(), events: await db.auditEvent.count() };
    testHooks.afterNetworkWrite = async (tx) => {
      // Both rows are visible inside the transaction...
      expect(await tx.auditEvent.count()).toBe(before.events + 1);
      throw new Error("injected failure");
    };
    const r = await call(networks.POST, "POST", { as: user, body: { name: "doomed", cidr: freshCidr() } });
    expect(r.status).toBe(500);
    expect(r.json.error.message).toMatch(/request id/);
    expect(JSON.stringify(r.json)).not.toContain("injected failure");
    // ...and neither survives it.
    expect(await db.network.count()).toBe(before.networks);
    expect(await db.auditEvent.count()).toBe(before.events);
  });

  it("a failed update keeps the old name and writes no audit row", async () => {
    const user = await createTestUser();
    const id = (await call(networks.POST, "POST", { as: user, body: { name: "stable", cidr: freshCidr() } })).json.network.id;
    testHooks.afterNetworkWrite = async () => {
      throw new Error("injected failure");
    };
    expect((await call(network.PATCH, "PATCH", { as: user, params: { networkId: id }, body: { name: "changed" } })).status).toBe(500);
    expect((await db.network.findUniqueOrThrow({ where: { id } })).name).toBe("stable");
    expect(await db.auditEvent.count({ where: { networkId: id, action: "network.update" } })).toBe(0);
  });

  it("deleting a network keeps its audit trail", async () => {
    const user = await createTestUser();
    const id = (await call(networks.POST, "POST", { as: user, body: { name: "short-lived", cidr: freshCidr() } })).json.network.id;
    expect((await call(network.DELETE, "DELETE", { as: user, params: { networkId: id } })).status).toBe(204);
    expect(await db.network.findUnique({ where: { id } })).toBeNull();
    const actions = (await db.auditEvent.findMany({ where: { networkId: id }, orderBy: { createdAt: "asc" } })).map((e) => e.action);
    expect(actions).toEqual(["network.create", "network.delete"]);
  });
});
