import { beforeEach, describe, expect, it } from "vitest";
import * as networks from "@/app/api/v1/networks/route";
import * as members from "@/app/api/v1/networks/[networkId]/members/route";
import * as member from "@/app/api/v1/networks/[networkId]/members/[memberId]/route";
import { db } from "@/lib/db/client";
import { call, createTestUser, freshCidr, type TestUser } from "@/lib/testing/api-harness";

let owner: TestUser;
let other: TestUser;
let networkId: string;

async function memberIdOf(userId: string) {
  return (await db.networkMember.findFirstOrThrow({ where: { networkId, userId } })).id;
}

beforeEach(async () => {
  owner = await createTestUser();
  other = await createTestUser();
  networkId = (await call(networks.POST, "POST", { as: owner, body: { name: "team", cidr: freshCidr() } })).json.network.id;
});

describe("membership rules", () => {
  it("an owner adds a member by email, and it is audited", async () => {
    const r = await call(members.POST, "POST", { as: owner, params: { networkId }, body: { email: other.email.toUpperCase(), role: "admin" } });
    expect(r.status).toBe(201);
    const list = await call(members.GET, "GET", { as: other, params: { networkId } });
    expect(list.json.members.map((m: { role: string }) => m.role).sort()).toEqual(["admin", "owner"]);
    const event = await db.auditEvent.findFirstOrThrow({ where: { networkId, action: "member.add" } });
    expect(event.after).toMatchObject({ userId: other.id, role: "admin" });
  });

  it("an unknown email or an existing member is a field error", async () => {
    const unknown = await call(members.POST, "POST", { as: owner, params: { networkId }, body: { email: "nobody@example.test", role: "viewer" } });
    expect(unknown.status).toBe(400);
    expect(unknown.json.error.fields.email[0]).toMatch(/No user/);
    const again = await call(members.POST, "POST", { as: owner, params: { networkId }, body: { email: owner.email, role: "viewer" } });
    expect(again.json.error.fields.email[0]).toMatch(/Already a member/);
  });

  it("an admin cannot manage members", async () => {
    await db.networkMember.create({ data: { networkId, userId: other.id, role: "admin" } });
    const third = await createTestUser();
    const r = await call(members.POST, "POST", { as: other, params: { networkId }, body: { email: third.email, role: "viewer" } });
    expect(r.status).toBe(403);
    const demote = await call(member.PATCH, "PATCH", { as: other, params: { networkId, memberId: await memberIdOf(owner.id) }, body: { role: "viewer" } });
    expect(demote.status).toBe(403);
  });

  it("the last owner can be neither demoted nor removed", async () => {
    const ownerMember = await memberIdOf(owner.id);
    const demote = await call(member.PATCH, "PATCH", { as: owner, params: { networkId, memberId: ownerMember }, body: { role: "admin" } });
    expect(demote.status).toBe(409);
    const remove = await call(member.DELETE, "DELETE", { as: owner, params: { networkId, memberId: ownerMember } });
    expect(remove.status).toBe(409);
    expect((await db.networkMember.findUniqueOrThrow({ where: { id: ownerMember } })).role).toBe("owner");
  });

  it("with a second owner, the first may step down", async () => {
    await call(members.POST, "POST", { as: owner, params: { networkId }, body: { email: other.email, role: "owner" } });
    const r = await call(member.PATCH, "PATCH", { as: owner, params: { networkId, memberId: await memberIdOf(owner.id) }, body: { role: "viewer" } });
    expect(r.status).toBe(200);
    const event = await db.auditEvent.findFirstOrThrow({ where: { networkId, action: "member.role" } });
    expect([event.before, event.after]).toEqual([{ role: "owner" }, { role: "viewer" }]);
  });

  it("two owners demoting each other at once leave one owner", async () => {
    await call(members.POST, "POST", { as: owner, params: { networkId }, body: { email: other.email, role: "owner" } });
    const [a, b] = await Promise.all([
      call(member.PATCH, "PATCH", { as: owner, params: { networkId, memberId: await memberIdOf(other.id) }, body: { role: "viewer" } }),
      call(member.PATCH, "PATCH", { as: other, params: { networkId, memberId: await memberIdOf(owner.id) }, body: { role: "viewer" } }),
    ]);
    const statuses = [a.status, b.status].sort();
    expect(statuses[0]).toBe(200);
    // The loser was either already demoted when authorised (403) or lost the last-owner check (409).
    expect([403, 409]).toContain(statuses[1]);
    expect(await db.networkMember.count({ where: { networkId, role: "owner" } })).toBe(1);
  });

  it("a member id from another network answers 404", async () => {
    const elsewhere = (await call(networks.POST, "POST", { as: other, body: { name: "elsewhere", cidr: freshCidr() } })).json.network.id;
    const foreignMember = (await db.networkMember.findFirstOrThrow({ where: { networkId: elsewhere } })).id;
    const r = await call(member.DELETE, "DELETE", { as: owner, params: { networkId, memberId: foreignMember } });
    expect(r.status).toBe(404);
    expect(await db.networkMember.count({ where: { networkId: elsewhere } })).toBe(1);
  });
});
