/**
 * The periodic Keycloak re-check of a session, against a real HTTP token endpoint started here
 * (it speaks the refresh-token grant the way Keycloak does: form body, client credentials,
 * rotated refresh tokens, `invalid_grant` for a disabled user or ended session).
 */
import { randomBytes, randomUUID } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import * as networks from "@/app/api/v1/networks/route";
import { db } from "@/lib/db/client";
import { call, signIn, type TestUser } from "@/lib/testing/api-harness";
import { actorFromCookies } from "./session";
import { ADMIN_REALM_ROLE, upsertKeycloakUser } from "./keycloak-users";

const CLIENT_ID = "nebula-commander";
const CLIENT_SECRET = "recheck-test-secret";

/** What the fake realm knows: refresh token -> its user's current state. */
const grants = new Map<string, { sub: string }>();
const users = new Map<string, { roles: string[]; enabled: boolean }>();
let calls = 0;
let down = false;
let server: Server;
let issuer: string;
const savedEnv: Record<string, string | undefined> = {};

const accessToken = (roles: string[]) => `h.${Buffer.from(JSON.stringify({ realm_access: { roles } })).toString("base64url")}.s`;

beforeAll(async () => {
  server = createServer((req, res) => {
    let raw = "";
    req.on("data", (c: Buffer) => (raw += c.toString()));
    req.on("end", () => {
      calls++;
      const form = new URLSearchParams(raw);
      const answer = (status: number, body: object) => res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
      if (down) return answer(503, { error: "temporarily_unavailable" });
      if (req.url !== "/realms/test/protocol/openid-connect/token" || form.get("grant_type") !== "refresh_token") return answer(400, { error: "unsupported_grant_type" });
      if (form.get("client_id") !== CLIENT_ID || form.get("client_secret") !== CLIENT_SECRET) return answer(401, { error: "unauthorized_client" });
      const grant = grants.get(form.get("refresh_token") ?? "");
      const user = grant && users.get(grant.sub);
      if (!grant || !user?.enabled) return answer(400, { error: "invalid_grant", error_description: "Account disabled" });
      // Keycloak rotates refresh tokens: the old one stops working.
      grants.delete(form.get("refresh_token")!);
      const next = `rt-${randomUUID()}`;
      grants.set(next, grant);
      answer(200, { access_token: accessToken(user.roles), refresh_token: next, token_type: "Bearer" });
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}/realms/test`;
  const env = { AUTH_MODE: "keycloak", KEYCLOAK_ISSUER: issuer, KEYCLOAK_CLIENT_ID: CLIENT_ID, KEYCLOAK_CLIENT_SECRET: CLIENT_SECRET, NC_SESSION_RECHECK_SECONDS: "60" };
  for (const [k, v] of Object.entries(env)) {
    savedEnv[k] = process.env[k];
    process.env[k] = v;
  }
});

afterAll(async () => {
  for (const [k, v] of Object.entries(savedEnv)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  await new Promise((r) => server.close(r));
});

beforeEach(() => {
  calls = 0;
  down = false;
});

/** A Keycloak user signed in as the jwt callback would do it: admin role, a refresh token held server-side. */
async function keycloakSession(): Promise<{ user: TestUser; sub: string }> {
  const sub = randomUUID();
  const dbUser = await upsertKeycloakUser(issuer, { sub, email: `kc-${randomBytes(3).toString("hex")}@example.test`, name: "KC user" }, { roles: [ADMIN_REALM_ROLE], groups: [] });
  users.set(sub, { roles: [ADMIN_REALM_ROLE], enabled: true });
  const refreshToken = `rt-${randomUUID()}`;
  grants.set(refreshToken, { sub });
  const user = await signIn({ id: dbUser.id, email: dbUser.email!, displayName: dbUser.displayName }, { provider: "keycloak", refreshToken });
  return { user, sub };
}

const recheckDue = (sid: string) => db.userSession.update({ where: { id: sid }, data: { recheckedAt: new Date(Date.now() - 10 * 60_000) } });

describe("Keycloak session re-check", () => {
  it("does not ask Keycloak while the last check is recent", async () => {
    const { user } = await keycloakSession();
    expect((await actorFromCookies(user.cookie))?.systemRole).toBe("admin");
    expect(calls).toBe(0);
  });

  it("re-reads the realm roles: losing nebula-admin takes effect without signing in again", async () => {
    const { user, sub } = await keycloakSession();
    const sealedBefore = (await db.userSession.findUniqueOrThrow({ where: { id: user.sid }, select: { refreshTokenCiphertext: true } })).refreshTokenCiphertext;
    users.set(sub, { roles: [], enabled: true });
    await recheckDue(user.sid);
    expect((await actorFromCookies(user.cookie))?.systemRole).toBe("user");
    expect(calls).toBe(1);
    expect((await db.user.findUniqueOrThrow({ where: { id: user.id } })).systemRole).toBe("user");
    // The rotated refresh token was stored (sealed): the next re-check works with it.
    const sealedAfter = (await db.userSession.findUniqueOrThrow({ where: { id: user.sid }, select: { refreshTokenCiphertext: true } })).refreshTokenCiphertext;
    expect(sealedAfter).toMatch(/^nc1:/);
    expect(sealedAfter).not.toBe(sealedBefore);
    await recheckDue(user.sid);
    expect((await actorFromCookies(user.cookie))?.id).toBe(user.id);
    expect(calls).toBe(2);
  });

  it("signs out a user Keycloak has disabled (invalid_grant): the API answers 401 and the row is gone", async () => {
    const { user, sub } = await keycloakSession();
    users.set(sub, { roles: [ADMIN_REALM_ROLE], enabled: false });
    await recheckDue(user.sid);
    expect((await call(networks.GET, "GET", { as: user })).status).toBe(401);
    expect(await db.userSession.count({ where: { id: user.sid } })).toBe(0);
  });

  it("asks Keycloak once when parallel requests find the re-check due", async () => {
    const { user } = await keycloakSession();
    await recheckDue(user.sid);
    const actors = await Promise.all(Array.from({ length: 6 }, () => actorFromCookies(user.cookie)));
    expect(actors.every((a) => a?.id === user.id)).toBe(true);
    expect(calls).toBe(1);
  });

  it("keeps the session while Keycloak cannot be reached, and tries again later", async () => {
    const { user } = await keycloakSession();
    down = true;
    await recheckDue(user.sid);
    expect((await actorFromCookies(user.cookie))?.id).toBe(user.id);
    expect(calls).toBe(1);
    down = false;
    await recheckDue(user.sid);
    expect((await actorFromCookies(user.cookie))?.id).toBe(user.id);
    expect(calls).toBe(2);
  });
});
