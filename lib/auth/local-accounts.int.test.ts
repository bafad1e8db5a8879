import { beforeAll, describe, expect, it } from "vitest";
import * as setup from "@/app/api/setup/route";
import { db } from "@/lib/db/client";
import { call } from "@/lib/testing/api-harness";
import { LOCAL_ISSUER, localSetupNeeded, verifyLocalLogin } from "./local-accounts";
import { FREE_ATTEMPTS_PER_PAIR, LoginThrottledError } from "./login-throttle";
import { SETUP_LIMIT } from "@/app/api/setup/route";
import { setupCode } from "./setup-code";

const admin = { username: "Root-Admin", displayName: "Root Admin", email: "root@example.test", password: "correct horse battery", code: setupCode() };

beforeAll(async () => {
  // This file owns the local accounts of the shared test database.
  await db.user.deleteMany({ where: { issuer: LOCAL_ISSUER } });
  await db.rateCounter.deleteMany({});
  await db.rateBackoff.deleteMany({});
});

describe("first-run setup", () => {
  it("validates every field", async () => {
    const r = await call(setup.POST, "POST", { body: { username: "a b", displayName: "", email: "nope", password: "short" } });
    expect(r.status).toBe(400);
    expect(Object.keys(r.json.error.fields).sort()).toEqual(["code", "displayName", "email", "password", "username"]);
    expect(await localSetupNeeded()).toBe(true);
  });

  it("refuses a name holding a NUL byte with a field error, not a database error", async () => {
    const r = await call(setup.POST, "POST", { body: { username: "admin", displayName: "Ad\u0000min", email: "a@example.test", password: "long enough password", code: "x" } });
    expect(r.status).toBe(400);
    expect(r.json.error.fields.displayName).toBeTruthy();
    expect(await localSetupNeeded()).toBe(true);
  });

  it("refuses without this server's setup code (the first visitor is not the admin), and creates nothing", async () => {
    const auditsBefore = await db.auditEvent.count({ where: { action: "user.setup" } });
    const r = await call(setup.POST, "POST", { body: { ...admin, code: "AAAAA-BBBBB-CCCCC" } });
    expect(r.status).toBe(400);
    expect(r.json.error.fields.code).toEqual(["That is not this server's setup code. The server prints it in its log when it starts."]);
    expect(await localSetupNeeded()).toBe(true);
    expect(await db.auditEvent.count({ where: { action: "user.setup" } })).toBe(auditsBefore);
  });

  it("accepts the code however it is typed: case, spaces and dashes do not matter", async () => {
    expect(setupCode()).toMatch(/^[A-Z2-9]{5}-[A-Z2-9]{5}-[A-Z2-9]{5}$/);
    const { isSetupCode } = await import("./setup-code");
    expect(isSetupCode(setupCode().toLowerCase().replace(/-/g, " "))).toBe(true);
    expect(isSetupCode(setupCode().slice(0, -1))).toBe(false);
  });

  it("creates exactly one admin even when raced, with an argon2id hash", async () => {
    const results = await Promise.all([1, 2, 3].map(() => call(setup.POST, "POST", { body: admin })));
    expect(results.map((r) => r.status).sort()).toEqual([201, 409, 409]);
    const user = await db.user.findFirstOrThrow({ where: { issuer: LOCAL_ISSUER }, select: { subject: true, systemRole: true, passwordHash: true } });
    expect(user.subject).toBe("root-admin");
    expect(user.systemRole).toBe("admin");
    expect(user.passwordHash).toMatch(/^\$argon2id\$/);
    expect(await db.auditEvent.count({ where: { action: "user.setup" } })).toBeGreaterThanOrEqual(1);
  });

  it("once an admin exists, says so before looking at the code, and limits attempts per address", async () => {
    const from = { "x-nc-client-ip": "203.0.113.77" };
    const statuses: number[] = [];
    for (let i = 0; i <= SETUP_LIMIT.max; i++) statuses.push((await call(setup.POST, "POST", { body: { ...admin, code: "WRONG-WRONG-WRONG" }, headers: from })).status);
    expect(statuses.slice(0, SETUP_LIMIT.max)).toEqual(Array(SETUP_LIMIT.max).fill(409));
    expect(statuses[SETUP_LIMIT.max]).toBe(429);
  });

  it("never returns the password hash through the default client", async () => {
    const user = await db.user.findFirstOrThrow({ where: { issuer: LOCAL_ISSUER } });
    expect(Object.keys(user)).not.toContain("passwordHash");
  });
});

describe("password sign-in", () => {
  it("accepts the right password, case-insensitively on the username", async () => {
    const user = await verifyLocalLogin("ROOT-admin", admin.password, "192.0.2.1");
    expect(user?.name).toBe("Root Admin");
  });

  it("slows down repeated failures from one address, with counters in Postgres", async () => {
    for (let i = 0; i < FREE_ATTEMPTS_PER_PAIR; i++) {
      expect(await verifyLocalLogin("root-admin", `wrong-${i}`, "192.0.2.2")).toBeNull();
    }
    // From that address even the right password must wait out the delay (see login-throttle.int.test.ts).
    await expect(verifyLocalLogin("root-admin", admin.password, "192.0.2.2")).rejects.toBeInstanceOf(LoginThrottledError);
    const backoff = await db.rateBackoff.findFirstOrThrow({ where: { key: "login:user:root-admin:ip:192.0.2.2" } });
    expect(backoff.attempts).toBe(FREE_ATTEMPTS_PER_PAIR);
  });

  it("throttles unknown usernames too, so they cannot be told apart", async () => {
    for (let i = 0; i < FREE_ATTEMPTS_PER_PAIR; i++) expect(await verifyLocalLogin("ghost", "x", "192.0.2.3")).toBeNull();
    await expect(verifyLocalLogin("ghost", "x", "192.0.2.3")).rejects.toBeInstanceOf(LoginThrottledError);
  });
});
