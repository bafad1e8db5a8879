import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { db } from "@/lib/db/client";
import { keycloakClaimsOf, realmRolesOf, upsertKeycloakUser } from "./keycloak-users";

const accessToken = (roles: string[]) => `h.${Buffer.from(JSON.stringify({ realm_access: { roles } })).toString("base64url")}.s`;

describe("Keycloak users", () => {
  it("reads realm roles from the access token", () => {
    expect(realmRolesOf(accessToken(["nebula-admin", "offline_access"]))).toEqual(["nebula-admin", "offline_access"]);
    expect(realmRolesOf("garbage")).toEqual([]);
    expect(realmRolesOf(undefined)).toEqual([]);
  });

  it("reads the groups claim (full paths) from the access token, sorted and without repeats", () => {
    const token = `h.${Buffer.from(JSON.stringify({ realm_access: { roles: ["nebula-admin"] }, groups: ["/ops", "/eng/ops", 7, "/ops"] })).toString("base64url")}.s`;
    expect(keycloakClaimsOf(token)).toEqual({ roles: ["nebula-admin"], groups: ["/eng/ops", "/ops"] });
    // No mapper, no groups: access through group grants ends rather than staying as it was.
    expect(keycloakClaimsOf(accessToken(["nebula-admin"])).groups).toEqual([]);
    expect(keycloakClaimsOf("garbage")).toEqual({ roles: [], groups: [] });
  });

  it("creates the user on first sign-in and re-reads the admin role every time", async () => {
    const sub = randomUUID();
    const issuer = "http://kc.test/realms/nebula";
    const first = await upsertKeycloakUser(issuer, { sub, email: "Carol@Example.test", name: "Carol" }, { roles: ["nebula-admin"], groups: [] });
    expect(first).toMatchObject({ systemRole: "admin", email: "carol@example.test", displayName: "Carol" });
    const second = await upsertKeycloakUser(issuer, { sub, email: "carol@example.test", name: "Carol" }, { roles: [], groups: [] });
    expect(second.id).toBe(first.id);
    expect(second.systemRole).toBe("user");
    const actions = (await db.auditEvent.findMany({ where: { targetId: first.id }, orderBy: { createdAt: "asc" } })).map((e) => e.action);
    expect(actions).toEqual(["user.create", "user.role"]);
  });

  it("records whether Keycloak verified the email, re-read at every sign-in", async () => {
    const sub = randomUUID();
    const issuer = "http://kc.test/realms/nebula";
    const unverified = await upsertKeycloakUser(issuer, { sub, email: "dave@example.test", name: "Dave" }, { roles: [], groups: [] });
    expect(unverified.emailVerified).toBe(false);
    const verified = await upsertKeycloakUser(issuer, { sub, email: "dave@example.test", name: "Dave", email_verified: true }, { roles: [], groups: [] });
    expect(verified.emailVerified).toBe(true);
    // A changed address is unproven until Keycloak says otherwise.
    const changed = await upsertKeycloakUser(issuer, { sub, email: "dave@elsewhere.test", name: "Dave", email_verified: false }, { roles: [], groups: [] });
    expect(changed.emailVerified).toBe(false);
  });
});
