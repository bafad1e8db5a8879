import { randomBytes, randomUUID } from "node:crypto";
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
  it("an owner adds a member by user id, and it is audited", async () => {
    const r = await call(members.POST, "POST", { as: owner, params: { networkId }, body: { userId: other.id, role: "admin" } });
    expect(r.status).toBe(201);
    expect(r.json.member).toMatchObject({ userId: other.id, role: "admin" });
    const list = await call(members.GET, "GET", { as: other, params: { networkId } });
    expect(list.json.members.map((m: { role: string }) => m.role).sort()).toEqual(["admin", "owner"]);
    const event = await db.auditEvent.findFirstOrThrow({ where: { networkId, action: "member.add" } });
    expect(event.after).toMatchObject({ userId: other.id, role: "admin" });
  });

  it("an unknown user id answers 404, an existing member a field error", async () => {
    const unknown = await call(members.POST, "POST", { as: owner, params: { networkId }, body: { userId: randomUUID(), role: "viewer" } });
    expect(unknown.status).toBe(404);
    const again = await call(members.POST, "POST", { as: owner, params: { networkId }, body: { userId: owner.id, role: "viewer" } });
    expect(again.status).toBe(400);
    expect(again.json.error.fields.userId[0]).toMatch(/Already a member/);
    const neither = await call(members.POST, "POST", { as: owner, params: { networkId }, body: { role: "viewer" } });
    expect(neither.status).toBe(400);
  });
  it("an admin cannot manage members", async () => {
    await db.networkMember.create({ data: { networkId, userId: other.id, role: "admin" } });
    const third = await createTestUser();
    const r = await call(members.POST, "POST", { as: other, params: { networkId }, body: { userId: third.id, role: "viewer" } });
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
    await call(members.POST, "POST", { as: owner, params: { networkId }, body: { userId: other.id, role: "owner" } });
    const r = await call(member.PATCH, "PATCH", { as: owner, params: { networkId, memberId: await memberIdOf(owner.id) }, body: { role: "viewer" } });
    expect(r.status).toBe(200);
    const event = await db.auditEvent.findFirstOrThrow({ where: { networkId, action: "member.role" } });
    expect([event.before, event.after]).toEqual([{ role: "owner" }, { role: "viewer" }]);
  });

  it("two owners demoting each other at once leave one owner", async () => {
    await call(members.POST, "POST", { as: owner, params: { networkId }, body: { userId: other.id, role: "owner" } });
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

describe("adding a member by email", () => {
  /** A user with this exact address (mixed case on purpose: the match ignores case). */
  async function userWithEmail(email: string, emailVerified: boolean) {
    const tag = randomBytes(4).toString("hex");
    return db.user.create({ data: { issuer: "test", subject: `mail-${tag}`, email, displayName: `mail-${tag}`, emailVerified } });
  }
  const freshEmail = () => `someone-${randomBytes(4).toString("hex")}@example.test`;
  const addByEmail = (email: string, role = "admin") => call(members.POST, "POST", { as: owner, params: { networkId }, body: { email, role } });
  const memberIds = async () => (await db.networkMember.findMany({ where: { networkId }, select: { userId: true } })).map((m) => m.userId).sort();

  it("grants the role to the one user with that verified address", async () => {
    const email = freshEmail();
    const user = await userWithEmail(email, true);
    const r = await addByEmail(email.toUpperCase());
    expect(r.status).toBe(202);
    expect(r.json).toEqual({ status: "accepted" });
    expect((await db.networkMember.findUniqueOrThrow({ where: { networkId_userId: { networkId, userId: user.id } } })).role).toBe("admin");
    const event = await db.auditEvent.findFirstOrThrow({ where: { networkId, action: "member.add" } });
    expect(event.after).toMatchObject({ userId: user.id, role: "admin" });
  });

  it("grants nothing when two accounts share the address, even if both are verified", async () => {
    const email = freshEmail();
    await userWithEmail(email, true);
    await userWithEmail(email.toUpperCase(), true);
    const before = await memberIds();
    const r = await addByEmail(email);
    expect([r.status, r.json]).toEqual([202, { status: "accepted" }]);
    expect(await memberIds()).toEqual(before);
  });

  it("grants nothing to an account whose address is not verified", async () => {
    const email = freshEmail();
    await userWithEmail(email, false);
    const before = await memberIds();
    const r = await addByEmail(email);
    expect([r.status, r.json]).toEqual([202, { status: "accepted" }]);
    expect(await memberIds()).toEqual(before);
  });

  it("answers the same whether or not an account exists, and for an existing member", async () => {
    const verified = freshEmail();
    await userWithEmail(verified, true);
    const existing = await addByEmail(verified);
    const missing = await addByEmail(freshEmail());
    const unverifiedEmail = freshEmail();
    await userWithEmail(unverifiedEmail, false);
    const unverified = await addByEmail(unverifiedEmail);
    const alreadyMember = await addByEmail(verified, "viewer");
    const answers = [existing, missing, unverified, alreadyMember].map((r) => [r.status, r.json]);
    expect(new Set(answers.map((a) => JSON.stringify(a))).size).toBe(1);
    expect(answers[0]).toEqual([202, { status: "accepted" }]);
  });
});
