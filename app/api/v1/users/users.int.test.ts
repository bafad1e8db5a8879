/** Local users (issue 11): invites, password resets, disabling, password changes and the user search. */
import { randomBytes } from "node:crypto";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import * as networks from "@/app/api/v1/networks/route";
import * as members from "@/app/api/v1/networks/[networkId]/members/route";
import * as users from "@/app/api/v1/users/route";
import * as invites from "@/app/api/v1/users/invites/route";
import * as inviteRevoke from "@/app/api/v1/users/invites/[inviteId]/revoke/route";
import * as disable from "@/app/api/v1/users/[userId]/disable/route";
import * as enable from "@/app/api/v1/users/[userId]/enable/route";
import * as resetLink from "@/app/api/v1/users/[userId]/reset-link/route";
import * as passwordChange from "@/app/api/v1/account/password/route";
import * as accept from "@/app/api/v1/invites/accept/route";
import * as resets from "@/app/api/v1/password-resets/route";
import { db } from "@/lib/db/client";
import { verifyLocalLogin } from "@/lib/auth/local-accounts";
import { loadLiveSession } from "@/lib/auth/user-sessions";
import { call, createTestUser, freshCidr, signIn, type TestUser } from "@/lib/testing/api-harness";
import { USER_SEARCH_MAX_RESULTS } from "@/lib/users/user-schemas";
import { PASSWORD_CHANGE_LIMIT } from "@/lib/users/user-service";

const PASSWORD = "a-long-enough-password";
let admin: TestUser;
let plain: TestUser;

beforeAll(async () => {
  await db.rateCounter.deleteMany({});
  await db.rateBackoff.deleteMany({});
  admin = await createTestUser({ systemRole: "admin", name: "users-admin" });
  plain = await createTestUser({ name: "users-plain" });
});

function tokenOf(url: string): string {
  return url.slice(url.lastIndexOf("/") + 1);
}

const uniqueName = (base: string) => `${base}-${randomBytes(3).toString("hex")}`;

async function invite(note = "for a test"): Promise<{ id: string; token: string }> {
  const r = await call(invites.POST, "POST", { as: admin, body: { note } });
  expect(r.status).toBe(201);
  return { id: r.json.invite.id, token: tokenOf(r.json.invite.url) };
}

/** Accepts an invite and signs the new user in, as the invite page does. */
async function newLocalUser(name = uniqueName("invited")): Promise<TestUser & { username: string }> {
  const { token } = await invite(name);
  const r = await call(accept.POST, "POST", { body: { token, username: name, displayName: `Person ${name}`, password: PASSWORD } });
  expect(r.status).toBe(201);
  const session = await signIn({ id: r.json.user.id, email: "", displayName: `Person ${name}` }, { provider: "local" });
  return { ...session, username: name };
}

describe("invites", () => {
  it("an invite is created (shown once, stored as a hash), accepted once, and refused the second time", async () => {
    const { id, token } = await invite("Grace");
    expect(token).toMatch(/^nci_[A-Za-z0-9_-]{43}$/);
    const row = await db.accountLink.findUniqueOrThrow({ where: { id }, omit: { tokenHash: false } });
    expect(row.tokenHash).toMatch(/^[0-9a-f]{64}$/);
    expect(row.tokenHash).not.toContain(token.slice(4));
    expect(row.expiresAt.getTime() - Date.now()).toBeGreaterThan(71 * 3600_000);

    const listed = await call(invites.GET, "GET", { as: admin });
    expect(listed.json.invites.map((i: { id: string }) => i.id)).toContain(id);

    const username = uniqueName("grace");
    const first = await call(accept.POST, "POST", { body: { token, username, displayName: "Grace Hopper", password: PASSWORD } });
    expect(first.status).toBe(201);
    expect(await verifyLocalLogin(username, PASSWORD, "192.0.2.10")).toMatchObject({ id: first.json.user.id });

    const second = await call(accept.POST, "POST", { body: { token, username: uniqueName("again"), displayName: "Again", password: PASSWORD } });
    expect(second.status).toBe(404);
    expect((await call(invites.GET, "GET", { as: admin })).json.invites.map((i: { id: string }) => i.id)).not.toContain(id);
    expect(await db.auditEvent.count({ where: { action: "invite.used", targetId: first.json.user.id } })).toBe(1);
  });

  it("the same rules as setup apply, and a taken username leaves the invite usable", async () => {
    const { token } = await invite();
    const bad = await call(accept.POST, "POST", { body: { token, username: "a b", displayName: "x\u202Ey", password: "short" } });
    expect(bad.status).toBe(400);
    expect(Object.keys(bad.json.error.fields).sort()).toEqual(["displayName", "password", "username"]);
    const taken = await newLocalUser();
    const clash = await call(accept.POST, "POST", { body: { token, username: taken.username, displayName: "Clash", password: PASSWORD } });
    expect(clash.status).toBe(400);
    expect(clash.json.error.fields.username).toEqual(["That username is taken; choose another"]);
    const ok = await call(accept.POST, "POST", { body: { token, username: uniqueName("fresh"), displayName: "Fresh", password: PASSWORD } });
    expect(ok.status).toBe(201);
  });

  it("an expired invite is refused, and so is a revoked one", async () => {
    const expired = await invite();
    await db.accountLink.update({ where: { id: expired.id }, data: { expiresAt: new Date(Date.now() - 1000) } });
    const r = await call(accept.POST, "POST", { body: { token: expired.token, username: uniqueName("late"), displayName: "Late", password: PASSWORD } });
    expect(r.status).toBe(404);

    const revoked = await invite();
    expect((await call(inviteRevoke.POST, "POST", { as: admin, params: { inviteId: revoked.id } })).status).toBe(204);
    expect((await call(inviteRevoke.POST, "POST", { as: admin, params: { inviteId: revoked.id } })).status).toBe(404);
    const r2 = await call(accept.POST, "POST", { body: { token: revoked.token, username: uniqueName("rev"), displayName: "Rev", password: PASSWORD } });
    expect(r2.status).toBe(404);
    expect(await db.auditEvent.count({ where: { action: "invite.revoked", targetId: revoked.id } })).toBe(1);
  });

  it("acceptance is rate limited per address", async () => {
    const headers = { "x-nc-client-ip": "198.51.100.77" };
    let last = 0;
    for (let i = 0; i <= accept.ACCOUNT_LINK_LIMIT.max; i++) {
      last = (await call(accept.POST, "POST", { headers, body: { token: `nci_${"A".repeat(43)}`, username: "nobody", displayName: "No", password: PASSWORD } })).status;
    }
    expect(last).toBe(429);
  });
});

describe("disabling a user", () => {
  it("the session query refuses a disabled user even if a session row is left", async () => {
    const user = await newLocalUser();
    expect(await loadLiveSession(user.sid, user.id)).not.toBeNull();
    await db.user.update({ where: { id: user.id }, data: { disabledAt: new Date() } });
    expect(await loadLiveSession(user.sid, user.id)).toBeNull();
  });

  it("ends an open session on its next request (the cookie that worked gets 401) and blocks sign-in like a wrong password", async () => {
    const user = await newLocalUser();
    expect((await call(networks.GET, "GET", { as: user })).status).toBe(200);
    const r = await call(disable.POST, "POST", { as: admin, params: { userId: user.id } });
    expect(r.status).toBe(200);
    expect(r.json.user).toMatchObject({ disabled: true, sessionsEnded: 1 });
    expect((await call(networks.GET, "GET", { as: user })).status).toBe(401);
    expect(await db.userSession.count({ where: { userId: user.id } })).toBe(0);
    expect(await verifyLocalLogin(user.username, PASSWORD, "192.0.2.11")).toBeNull();
    expect(await db.auditEvent.count({ where: { action: "user.disabled", targetId: user.id } })).toBe(1);

    expect((await call(enable.POST, "POST", { as: admin, params: { userId: user.id } })).status).toBe(200);
    expect(await verifyLocalLogin(user.username, PASSWORD, "192.0.2.11")).toMatchObject({ id: user.id });
    expect(await db.auditEvent.count({ where: { action: "user.enabled", targetId: user.id } })).toBe(1);
  });

  it("an admin cannot disable themselves", async () => {
    expect((await call(disable.POST, "POST", { as: admin, params: { userId: admin.id } })).status).toBe(409);
  });
});

describe("password resets", () => {
  it("a reset link sets the password once and ends every session", async () => {
    const user = await newLocalUser();
    const r = await call(resetLink.POST, "POST", { as: admin, params: { userId: user.id } });
    expect(r.status).toBe(201);
    const token = tokenOf(r.json.reset.url);
    expect(token).toMatch(/^ncr_/);
    const used = await call(resets.POST, "POST", { body: { token, password: "a-brand-new-password" } });
    expect(used.status).toBe(200);
    expect((await call(networks.GET, "GET", { as: user })).status).toBe(401);
    expect(await verifyLocalLogin(user.username, PASSWORD, "192.0.2.12")).toBeNull();
    expect(await verifyLocalLogin(user.username, "a-brand-new-password", "192.0.2.12")).toMatchObject({ id: user.id });
    expect((await call(resets.POST, "POST", { body: { token, password: "yet-another-password" } })).status).toBe(404);
  });

  it("a new reset link replaces the older one; an expired one is refused", async () => {
    const user = await newLocalUser();
    const older = tokenOf((await call(resetLink.POST, "POST", { as: admin, params: { userId: user.id } })).json.reset.url);
    const newer = await call(resetLink.POST, "POST", { as: admin, params: { userId: user.id } });
    expect((await call(resets.POST, "POST", { body: { token: older, password: "a-brand-new-password" } })).status).toBe(404);
    await db.accountLink.update({ where: { id: newer.json.reset.id }, data: { expiresAt: new Date(Date.now() - 1) } });
    expect((await call(resets.POST, "POST", { body: { token: tokenOf(newer.json.reset.url), password: "a-brand-new-password" } })).status).toBe(404);
  });
});

describe("changing one's own password", () => {
  it("needs the current password, then ends the other sessions and keeps this one", async () => {
    const user = await newLocalUser();
    const other = await signIn({ id: user.id, email: "", displayName: user.displayName }, { provider: "local" });
    const wrong = await call(passwordChange.POST, "POST", { as: user, body: { currentPassword: "not-the-password", newPassword: "a-changed-password" } });
    expect(wrong.status).toBe(400);
    expect(wrong.json.error.fields.currentPassword).toBeTruthy();
    expect(await verifyLocalLogin(user.username, PASSWORD, "192.0.2.13")).not.toBeNull();

    const ok = await call(passwordChange.POST, "POST", { as: user, body: { currentPassword: PASSWORD, newPassword: "a-changed-password" } });
    expect(ok.status).toBe(200);
    expect(ok.json.sessionsEnded).toBe(1);
    expect((await call(networks.GET, "GET", { as: user })).status).toBe(200);
    expect((await call(networks.GET, "GET", { as: other })).status).toBe(401);
    expect(await verifyLocalLogin(user.username, "a-changed-password", "192.0.2.13")).not.toBeNull();
  });
});

describe("password change limits", () => {
  it("an account without a password here answers 409; wrong guesses are limited per user", async () => {
    expect((await call(passwordChange.POST, "POST", { as: plain, body: { currentPassword: "whatever", newPassword: "a-changed-password" } })).status).toBe(409);
    const user = await newLocalUser();
    const statuses = [];
    for (let i = 0; i <= PASSWORD_CHANGE_LIMIT.max; i++) {
      statuses.push((await call(passwordChange.POST, "POST", { as: user, body: { currentPassword: `guess-${i}`, newPassword: "a-changed-password" } })).status);
    }
    expect(statuses.slice(0, PASSWORD_CHANGE_LIMIT.max).every((s) => s === 400)).toBe(true);
    expect(statuses.at(-1)).toBe(429);
  });
});

describe("who may manage users", () => {
  it("answers 404 to non-admins on every admin route", async () => {
    const target = await newLocalUser();
    expect((await call(invites.GET, "GET", { as: plain })).status).toBe(404);
    expect((await call(invites.POST, "POST", { as: plain, body: {} })).status).toBe(404);
    expect((await call(disable.POST, "POST", { as: plain, params: { userId: target.id } })).status).toBe(404);
    expect((await call(enable.POST, "POST", { as: plain, params: { userId: target.id } })).status).toBe(404);
    expect((await call(resetLink.POST, "POST", { as: plain, params: { userId: target.id } })).status).toBe(404);
    const { id } = await invite();
    expect((await call(inviteRevoke.POST, "POST", { as: plain, params: { inviteId: id } })).status).toBe(404);
    expect((await call(invites.GET, "GET", {})).status).toBe(401);
  });

  describe("in Keycloak mode", () => {
    const saved: Record<string, string | undefined> = {};
    const env = { AUTH_MODE: "keycloak", KEYCLOAK_ISSUER: "http://127.0.0.1:9/realms/x", KEYCLOAK_CLIENT_ID: "nc", KEYCLOAK_CLIENT_SECRET: "s" };
    afterEach(() => {
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    });

    it("the user-management routes do not exist", async () => {
      for (const [k, v] of Object.entries(env)) {
        saved[k] = process.env[k];
        process.env[k] = v;
      }
      expect((await call(invites.POST, "POST", { as: admin, body: {} })).status).toBe(404);
      expect((await call(accept.POST, "POST", { body: { token: `nci_${"A".repeat(43)}`, username: "kc-user", displayName: "Kc", password: PASSWORD } })).status).toBe(404);
      expect((await call(passwordChange.POST, "POST", { as: admin, body: { currentPassword: "x", newPassword: PASSWORD } })).status).toBe(404);
    });
  });
});

describe("user search", () => {
  it("needs at least 2 characters, returns at most 10, only ids and names, and no disabled user", async () => {
    const tag = randomBytes(3).toString("hex");
    const made = [];
    for (let i = 0; i < USER_SEARCH_MAX_RESULTS + 2; i++) made.push(await createTestUser({ name: `zz${tag}-${i}` }));
    expect((await call(users.GET, "GET", { as: plain, query: { q: "z" } })).status).toBe(400);
    expect((await call(users.GET, "GET", { as: plain })).status).toBe(400);
    expect((await call(users.GET, "GET", {})).status).toBe(401);
    const r = await call(users.GET, "GET", { as: plain, query: { q: `ZZ${tag}` } });
    expect(r.status).toBe(200);
    expect(r.json.users).toHaveLength(USER_SEARCH_MAX_RESULTS);
    for (const u of r.json.users) expect(Object.keys(u).sort()).toEqual(["displayName", "id", "username"]);

    const local = await newLocalUser(uniqueName("findme"));
    const byUsername = await call(users.GET, "GET", { as: plain, query: { q: local.username } });
    expect(byUsername.json.users).toEqual([{ id: local.id, displayName: local.displayName, username: local.username }]);
    await call(disable.POST, "POST", { as: admin, params: { userId: local.id } });
    expect((await call(users.GET, "GET", { as: plain, query: { q: local.username } })).json.users).toEqual([]);
  });

  it("a network owner adds the chosen user by id", async () => {
    const owner = await createTestUser({ name: "users-owner" });
    const net = await call(networks.POST, "POST", { as: owner, body: { name: "users-net", cidr: freshCidr() } });
    const local = await newLocalUser();
    const r = await call(members.POST, "POST", { as: owner, params: { networkId: net.json.network.id }, body: { userId: local.id, role: "viewer" } });
    expect(r.status).toBe(201);
  });
});

describe("the audit trail", () => {
  it("records every action and never a secret", async () => {
    const rows = await db.auditEvent.findMany({
      where: { action: { in: ["user.invited", "user.disabled", "user.enabled", "user.password_reset_issued", "user.password_changed", "invite.used", "invite.revoked"] } },
    });
    expect(new Set(rows.map((r) => r.action)).size).toBe(7);
    const text = JSON.stringify(rows);
    expect(text).not.toMatch(/nc[ir]_[A-Za-z0-9_-]{43}/);
    expect(text).not.toMatch(/\$argon2/);
    expect(text).not.toContain(PASSWORD);
    expect(text).not.toContain("a-brand-new-password");
    expect(text).not.toContain("a-changed-password");
    const hashes = (await db.accountLink.findMany({ omit: { tokenHash: false } })).map((l) => l.tokenHash);
    for (const h of hashes) expect(text).not.toContain(h);
  });
});
