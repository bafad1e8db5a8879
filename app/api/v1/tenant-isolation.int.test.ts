/**
 * Every network-scoped route, for reads and writes: another tenant's network answers 404, exactly
 * like a network that does not exist, and nothing changes.
 */
import { beforeAll, describe, expect, it } from "vitest";
import * as networks from "./networks/route";
import * as network from "./networks/[networkId]/route";
import * as members from "./networks/[networkId]/members/route";
import * as member from "./networks/[networkId]/members/[memberId]/route";
import * as networkAudit from "./networks/[networkId]/audit/route";
import * as audit from "./audit/route";
import { db } from "@/lib/db/client";
import { call, createTestUser, freshCidr, type TestUser } from "@/lib/testing/api-harness";

let alice: TestUser;
let bob: TestUser;
let networkId: string;
let memberId: string;

beforeAll(async () => {
  alice = await createTestUser({ name: "alice" });
  bob = await createTestUser({ name: "bob" });
  const r = await call(networks.POST, "POST", { as: alice, body: { name: "alice-net", cidr: freshCidr() } });
  networkId = r.json.network.id;
  memberId = (await db.networkMember.findFirstOrThrow({ where: { networkId } })).id;
});

const cases: Array<[string, () => ReturnType<typeof call>]> = [
  ["GET network", () => call(network.GET, "GET", { as: bob, params: { networkId } })],
  ["PATCH network", () => call(network.PATCH, "PATCH", { as: bob, params: { networkId }, body: { name: "pwned" } })],
  ["DELETE network", () => call(network.DELETE, "DELETE", { as: bob, params: { networkId } })],
  ["GET members", () => call(members.GET, "GET", { as: bob, params: { networkId } })],
  ["POST member", () => call(members.POST, "POST", { as: bob, params: { networkId }, body: { email: bob.email, role: "owner" } })],
  ["PATCH member", () => call(member.PATCH, "PATCH", { as: bob, params: { networkId, memberId }, body: { role: "viewer" } })],
  ["DELETE member", () => call(member.DELETE, "DELETE", { as: bob, params: { networkId, memberId } })],
  ["GET network audit", () => call(networkAudit.GET, "GET", { as: bob, params: { networkId } })],
];

describe("tenant isolation", () => {
  it.each(cases)("%s on another tenant's network answers 404", async (_name, attempt) => {
    const r = await attempt();
    expect(r.status).toBe(404);
    expect(r.json.error).toMatchObject({ code: "not_found", message: "Network not found" });
  });

  it("left the network, its members and its audit trail untouched", async () => {
    const n = await db.network.findUniqueOrThrow({ where: { id: networkId }, include: { members: true } });
    expect(n.name).toBe("alice-net");
    expect(n.members.map((m) => [m.userId, m.role])).toEqual([[alice.id, "owner"]]);
    expect(await db.auditEvent.count({ where: { networkId, actorId: bob.id } })).toBe(0);
  });

  it("hides the network from bob's lists and audit log", async () => {
    const list = await call(networks.GET, "GET", { as: bob });
    expect(list.json.networks).toEqual([]);
    const log = await call(audit.GET, "GET", { as: bob });
    expect(log.json.events.filter((e: { networkId: string }) => e.networkId === networkId)).toEqual([]);
  });

  it("lets bob use the same range in his own network (overlap is per user)", async () => {
    const cidr = (await db.network.findUniqueOrThrow({ where: { id: networkId } })).cidr;
    const r = await call(networks.POST, "POST", { as: bob, body: { name: "bob-net", cidr } });
    expect(r.status).toBe(201);
  });
});
