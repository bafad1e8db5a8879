import { describe, expect, it } from "vitest";
import * as networks from "@/app/api/v1/networks/route";
import * as logout from "@/app/api/session/logout/route";
import { db } from "@/lib/db/client";
import { call, createTestUser, signInAgain } from "@/lib/testing/api-harness";
import { authOptions } from "./auth-options";
import { actorFromCookies } from "./session";

const sessionId = (user: { sid: string }) => user.sid;

describe("server-side sessions", () => {
  it("refuses a cookie replayed after sign-out", async () => {
    const user = await createTestUser();
    expect((await call(networks.GET, "GET", { as: user })).status).toBe(200);
    expect((await call(logout.POST, "POST", { as: user })).status).toBe(200);
    const replay = await call(networks.GET, "GET", { as: user });
    expect(replay.status).toBe(401);
    const write = await call(networks.POST, "POST", { as: user, body: { name: "after-logout", cidr: "10.250.0.0/24" } });
    expect(write.status).toBe(401);
  });

  it("ends a session past its absolute lifetime, however active", async () => {
    const user = await createTestUser();
    expect((await call(networks.GET, "GET", { as: user })).status).toBe(200);
    await db.userSession.update({ where: { id: sessionId(user) }, data: { createdAt: new Date(Date.now() - 13 * 3600_000), expiresAt: new Date(Date.now() - 1000) } });
    expect((await call(networks.GET, "GET", { as: user })).status).toBe(401);
  });

  it("ends a session left idle past the idle timeout", async () => {
    const user = await createTestUser();
    await db.userSession.update({ where: { id: sessionId(user) }, data: { lastSeenAt: new Date(Date.now() - 3 * 3600_000) } });
    expect((await call(networks.GET, "GET", { as: user })).status).toBe(401);
  });

  it("touches lastSeenAt at most once a minute", async () => {
    const user = await createTestUser();
    const old = new Date(Date.now() - 5 * 60_000);
    await db.userSession.update({ where: { id: sessionId(user) }, data: { lastSeenAt: old } });
    expect((await call(networks.GET, "GET", { as: user })).status).toBe(200);
    const touched = (await db.userSession.findUniqueOrThrow({ where: { id: sessionId(user) } })).lastSeenAt;
    expect(touched.getTime()).toBeGreaterThan(old.getTime());
    expect((await call(networks.GET, "GET", { as: user })).status).toBe(200);
    expect((await db.userSession.findUniqueOrThrow({ where: { id: sessionId(user) } })).lastSeenAt).toEqual(touched);
  });

  it("signs out everywhere: every session of the user ends, other users' do not", async () => {
    const { POST: logoutAll } = await import("@/app/api/session/logout-all/route");
    const laptop = await createTestUser();
    const phone = await signInAgain(laptop);
    const stranger = await createTestUser();
    expect((await call(networks.GET, "GET", { as: phone })).status).toBe(200);
    expect((await call(logoutAll, "POST", { as: laptop, csrf: false })).status).toBe(403);
    const out = await call(logoutAll, "POST", { as: laptop });
    expect(out.status).toBe(200);
    expect((await call(networks.GET, "GET", { as: laptop })).status).toBe(401);
    expect((await call(networks.GET, "GET", { as: phone })).status).toBe(401);
    expect((await call(networks.GET, "GET", { as: stranger })).status).toBe(200);
    expect(await db.userSession.count({ where: { userId: laptop.id } })).toBe(0);
  });

  it("records the session at sign-in, and next-auth will not re-issue the cookie of an ended one", async () => {
    const user = await createTestUser();
    const jwt = authOptions().callbacks!.jwt!;
    const minted = await jwt({ token: {}, user: { id: user.id, name: user.displayName, email: user.email }, account: { provider: "local", type: "credentials", providerAccountId: user.id } } as never);
    const row = await db.userSession.findUniqueOrThrow({ where: { id: String(minted.sid) } });
    expect(row).toMatchObject({ userId: user.id, provider: "local" });
    expect(row.expiresAt.getTime() - row.createdAt.getTime()).toBe(12 * 3600_000);
    // GET /api/auth/session runs the callback without an account: fine while the row lives...
    await expect(jwt({ token: minted } as never)).resolves.toMatchObject({ sid: minted.sid });
    // ...refused once it is gone (next-auth then clears the cookie instead of extending it).
    await db.userSession.delete({ where: { id: String(minted.sid) } });
    await expect(jwt({ token: minted } as never)).rejects.toThrow();
  });

  it("next-auth's own sign-out event ends the session row", async () => {
    const user = await createTestUser();
    await authOptions().events!.signOut!({ token: { uid: user.id, sid: user.sid }, session: null as never });
    expect(await actorFromCookies(user.cookie)).toBeNull();
  });
});
