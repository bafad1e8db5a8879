/**
 * Roles for Keycloak groups: the grant API and its audit, authorizeNetwork taking the better of a
 * direct membership and a group grant, the user's groups replaced at sign-in and re-check, and
 * the feature's absence in local mode.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import * as networks from "@/app/api/v1/networks/route";
import * as network from "@/app/api/v1/networks/[networkId]/route";
import * as member from "@/app/api/v1/networks/[networkId]/members/[memberId]/route";
import * as grants from "@/app/api/v1/networks/[networkId]/group-grants/route";
import * as grant from "@/app/api/v1/networks/[networkId]/group-grants/[grantId]/route";
import { db } from "@/lib/db/client";
import { authorizeNetwork } from "@/lib/auth/authorize-network";
import { actorFromCookies } from "@/lib/auth/session";
import { applyKeycloakClaims, upsertKeycloakUser } from "@/lib/auth/keycloak-users";
import { call, createTestUser, freshCidr, signIn, type TestUser } from "@/lib/testing/api-harness";
import { listNetworksFor } from "./network-service";

const ISSUER = "http://127.0.0.1:1/realms/group-grants-test";
const savedEnv: Record<string, string | undefined> = {};

function setEnv(env: Record<string, string | undefined>) {
  for (const [k, v] of Object.entries(env)) {
    if (!(k in savedEnv)) savedEnv[k] = process.env[k];
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
}
const keycloakMode = () => setEnv({ AUTH_MODE: "keycloak", KEYCLOAK_ISSUER: ISSUER, KEYCLOAK_CLIENT_ID: "nebula-commander", KEYCLOAK_CLIENT_SECRET: "group-grants-test" });
const localMode = () => setEnv({ AUTH_MODE: "local", KEYCLOAK_ISSUER: undefined, KEYCLOAK_CLIENT_ID: undefined, KEYCLOAK_CLIENT_SECRET: undefined });

beforeAll(keycloakMode);
afterAll(() => {
  for (const [k, v] of Object.entries(savedEnv)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
});

/** A Keycloak user as the sign-in callback stores them, with these groups, and a session of theirs. */
async function keycloakUser(groups: string[]): Promise<{ user: TestUser; sub: string }> {
  const sub = randomUUID();
  const email = `kc-${randomBytes(4).toString("hex")}@example.test`;
  const dbUser = await upsertKeycloakUser(ISSUER, { sub, email, name: `KC ${sub.slice(0, 6)}` }, { roles: [], groups });
  return { user: await signIn({ id: dbUser.id, email, displayName: dbUser.displayName }), sub };
}

let owner: TestUser;
let networkId: string;
let ops: string;

beforeEach(async () => {
  keycloakMode();
  owner = await createTestUser();
  networkId = (await call(networks.POST, "POST", { as: owner, body: { name: "grants", cidr: freshCidr() } })).json.network.id;
  // A group name no other test uses, so that users from other tests never count here.
  ops = `/ops-${randomBytes(4).toString("hex")}`;
});

const addGrant = (groupName: string, role: string, as = owner) => call(grants.POST, "POST", { as, params: { networkId }, body: { groupName, role } });

describe("group grants: the API and its audit", () => {
  it("an owner grants, changes and removes a group's role; each step is audited; members of the group are listed", async () => {
    const { user: inGroup } = await keycloakUser([ops, "/elsewhere"]);
    const created = await addGrant(ops, "viewer");
    expect(created.status).toBe(201);
    const grantId = created.json.grant.id;
    expect(created.json.grant).toMatchObject({ groupName: ops, role: "viewer", grantedById: owner.id, grantedByName: owner.displayName });

    const list = await call(grants.GET, "GET", { as: inGroup, params: { networkId } });
    expect(list.status).toBe(200);
    expect(list.json.grants).toHaveLength(1);
    expect(list.json.grants[0]).toMatchObject({ id: grantId, groupName: ops, role: "viewer", grantedBy: { id: owner.id, name: owner.displayName } });
    expect(list.json.grants[0].members.map((m: { userId: string }) => m.userId)).toEqual([inGroup.id]);

    const changed = await call(grant.PATCH, "PATCH", { as: owner, params: { networkId, grantId }, body: { role: "admin" } });
    expect(changed.status).toBe(200);
    expect(changed.json.grant.role).toBe("admin");
    const removed = await call(grant.DELETE, "DELETE", { as: owner, params: { networkId, grantId } });
    expect(removed.status).toBe(204);
    expect(await db.networkGroupGrant.count({ where: { networkId } })).toBe(0);

    const events = await db.auditEvent.findMany({ where: { networkId, targetType: "group_grant" }, orderBy: { createdAt: "asc" } });
    expect(events.map((e) => [e.action, e.targetName, e.actorId])).toEqual([
      ["group_grant.add", ops, owner.id],
      ["group_grant.role", ops, owner.id],
      ["group_grant.remove", ops, owner.id],
    ]);
    expect(events[0]!.after).toEqual({ groupName: ops, role: "viewer" });
    expect(events[1]!.before).toEqual({ role: "viewer" });
    expect(events[1]!.after).toEqual({ role: "admin" });
    expect(events[2]!.before).toEqual({ groupName: ops, role: "admin" });
  });

  it("validates the group path, refuses a second grant for the same group, and leaves writes to owners", async () => {
    const bare = await addGrant("ops", "viewer");
    expect(bare.status).toBe(400);
    expect(bare.json.error.fields.groupName[0]).toMatch(/full path/);
    const nul = await addGrant("/ops\u0000x", "viewer");
    expect(nul.status).toBe(400);
    expect((await addGrant("/a//b", "viewer")).status).toBe(400);
    expect((await call(grants.POST, "POST", { as: owner, params: { networkId }, body: { groupName: ops, role: "viewer", extra: 1 } })).status).toBe(400);
    expect((await addGrant(ops, "viewer")).status).toBe(201);
    const again = await addGrant(ops, "admin");
    expect(again.status).toBe(400);
    expect(again.json.error.fields.groupName[0]).toMatch(/already has a role/);

    const { user: admin } = await keycloakUser([]);
    await db.networkMember.create({ data: { networkId, userId: admin.id, role: "admin" } });
    expect((await addGrant(`${ops}-2`, "viewer", admin)).status).toBe(403);
    expect((await call(grants.GET, "GET", { as: admin, params: { networkId } })).status).toBe(200);
    const stranger = await createTestUser();
    expect((await call(grants.GET, "GET", { as: stranger, params: { networkId } })).status).toBe(404);
    // A grant of another network is not found through this one.
    const otherNet = (await call(networks.POST, "POST", { as: stranger, body: { name: "other", cidr: freshCidr() } })).json.network.id;
    const foreign = (await call(grants.POST, "POST", { as: stranger, params: { networkId: otherNet }, body: { groupName: ops, role: "viewer" } })).json.grant.id;
    expect((await call(grant.DELETE, "DELETE", { as: owner, params: { networkId, grantId: foreign } })).status).toBe(404);
  });
});

describe("group grants: authorization", () => {
  it("a viewer through a group can read the network but not change it, and sees it in their list", async () => {
    const { user } = await keycloakUser([ops]);
    expect((await call(network.GET, "GET", { as: user, params: { networkId } })).status).toBe(404);
    await addGrant(ops, "viewer");
    expect((await call(network.GET, "GET", { as: user, params: { networkId } })).status).toBe(200);
    expect((await call(network.PATCH, "PATCH", { as: user, params: { networkId }, body: { name: "renamed" } })).status).toBe(403);
    const actor = (await actorFromCookies(user.cookie))!;
    expect((await authorizeNetwork(actor, networkId, "viewer")).memberRole).toBe("viewer");
    expect((await listNetworksFor(actor)).find((n) => n.id === networkId)?.role).toBe("viewer");
  });

  it("takes the better of a direct membership and a group grant", async () => {
    const { user } = await keycloakUser([ops, `${ops}-x`]);
    await db.networkMember.create({ data: { networkId, userId: user.id, role: "admin" } });
    await addGrant(ops, "viewer");
    const actor = (await actorFromCookies(user.cookie))!;
    expect((await authorizeNetwork(actor, networkId, "viewer")).role).toBe("admin");
    expect((await call(network.PATCH, "PATCH", { as: user, params: { networkId }, body: { description: "by a direct admin" } })).status).toBe(200);
    // The best of several groups' grants counts too, and a group grant above the direct role wins.
    await addGrant(`${ops}-x`, "owner");
    expect((await authorizeNetwork(actor, networkId, "owner")).memberRole).toBe("owner");
    expect((await listNetworksFor(actor)).find((n) => n.id === networkId)?.role).toBe("owner");
  });

  it("a group-granted owner does not count for the last-owner rule", async () => {
    const { user } = await keycloakUser([ops]);
    await addGrant(ops, "owner");
    const ownerMember = (await db.networkMember.findFirstOrThrow({ where: { networkId, userId: owner.id } })).id;
    const demote = await call(member.PATCH, "PATCH", { as: owner, params: { networkId, memberId: ownerMember }, body: { role: "admin" } });
    expect(demote.status).toBe(409);
    const byGroupOwner = await call(member.DELETE, "DELETE", { as: user, params: { networkId, memberId: ownerMember } });
    expect(byGroupOwner.status).toBe(409);
  });
});

describe("a user's groups, re-read at sign-in and at every re-check", () => {
  it("replaces the stored set from the claims, audits a change as user.groups_changed, and access follows", async () => {
    await addGrant(ops, "viewer");
    const { user, sub } = await keycloakUser([]);
    expect((await call(network.GET, "GET", { as: user, params: { networkId } })).status).toBe(404);
    const groupEvents = () => db.auditEvent.findMany({ where: { targetId: user.id, action: "user.groups_changed" }, orderBy: { createdAt: "asc" } });
    expect(await groupEvents()).toHaveLength(0);

    // Sign-in: the claims' groups (any order, repeats) are stored sorted, once.
    await upsertKeycloakUser(ISSUER, { sub, email: user.email, name: user.displayName }, { roles: [], groups: ["/zeta", ops, ops] });
    expect((await db.user.findUniqueOrThrow({ where: { id: user.id } })).keycloakGroups).toEqual([ops, "/zeta"].sort());
    expect((await call(network.GET, "GET", { as: user, params: { networkId } })).status).toBe(200);
    let events = await groupEvents();
    expect(events).toHaveLength(1);
    expect(events[0]!.before).toEqual({ groups: [] });
    expect(events[0]!.after).toEqual({ groups: [ops, "/zeta"].sort() });

    // The same set in another order is no change.
    await upsertKeycloakUser(ISSUER, { sub, email: user.email, name: user.displayName }, { roles: [], groups: [ops, "/zeta"].reverse() });
    await applyKeycloakClaims(user.id, { roles: [], groups: ["/zeta", ops] });
    expect(await groupEvents()).toHaveLength(1);

    // Re-check: the user left the group in Keycloak; the set is replaced whole and access ends.
    await applyKeycloakClaims(user.id, { roles: [], groups: ["/zeta"] });
    expect((await db.user.findUniqueOrThrow({ where: { id: user.id } })).keycloakGroups).toEqual(["/zeta"]);
    expect((await call(network.GET, "GET", { as: user, params: { networkId } })).status).toBe(404);
    events = await groupEvents();
    expect(events).toHaveLength(2);
    expect(events[1]!.before).toEqual({ groups: [ops, "/zeta"].sort() });
    expect(events[1]!.after).toEqual({ groups: ["/zeta"] });

    // Two re-checks at once record the change once.
    await Promise.all([applyKeycloakClaims(user.id, { roles: [], groups: [ops] }), applyKeycloakClaims(user.id, { roles: [], groups: [ops] })]);
    expect(await groupEvents()).toHaveLength(3);
    expect((await call(network.GET, "GET", { as: user, params: { networkId } })).status).toBe(200);
  });
});

describe("local mode", () => {
  it("the group-grant routes answer 404 and existing grants give no access", async () => {
    const { user } = await keycloakUser([ops]);
    const grantId = (await addGrant(ops, "viewer")).json.grant.id;
    expect((await call(network.GET, "GET", { as: user, params: { networkId } })).status).toBe(200);
    localMode();
    expect((await call(grants.GET, "GET", { as: owner, params: { networkId } })).status).toBe(404);
    expect((await call(grants.POST, "POST", { as: owner, params: { networkId }, body: { groupName: "/x", role: "viewer" } })).status).toBe(404);
    expect((await call(grant.PATCH, "PATCH", { as: owner, params: { networkId, grantId }, body: { role: "admin" } })).status).toBe(404);
    expect((await call(grant.DELETE, "DELETE", { as: owner, params: { networkId, grantId } })).status).toBe(404);
    expect((await call(network.GET, "GET", { as: user, params: { networkId } })).status).toBe(404);
    expect(await db.networkGroupGrant.count({ where: { id: grantId } })).toBe(1);
  });
});
