import { randomUUID } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { encode } from "next-auth/jwt";
import * as networks from "@/app/api/v1/networks/route";
import * as network from "@/app/api/v1/networks/[networkId]/route";
import * as links from "@/app/api/v1/networks/[networkId]/links/route";
import { CLIENT_IP_HEADER } from "@/lib/core/client-ip";
import { db } from "@/lib/db/client";
import { sessionCookieName } from "@/lib/auth/auth-config";
import { call, createTestUser, freshCidr, type TestUser } from "@/lib/testing/api-harness";
import { MAX_JSON_BODY_BYTES } from "./with-network";

let owner: TestUser;
let viewer: TestUser;
let sysadmin: TestUser;
let networkId: string;

beforeAll(async () => {
  owner = await createTestUser();
  viewer = await createTestUser();
  sysadmin = await createTestUser({ systemRole: "admin" });
  const created = await call(networks.POST, "POST", { as: owner, body: { name: "wrapper", cidr: freshCidr() } });
  expect(created.status).toBe(201);
  networkId = created.json.network.id;
  await db.networkMember.create({ data: { networkId, userId: viewer.id, role: "viewer" } });
});

const networkCount = () => db.network.count();

describe("the API wrapper", () => {
  it("marks every answer no-store, above all the ones that carry a secret shown once", async () => {
    const headers = { cookie: owner.cookie, "x-csrf-token": owner.csrf, "content-type": "application/json", [CLIENT_IP_HEADER]: "127.0.0.1" };
    const ctx = { params: Promise.resolve({ networkId }) };
    const created = await links.POST(new Request("http://localhost/api/test", { method: "POST", headers, body: JSON.stringify({ description: "no-store" }) }), ctx);
    expect(created.status).toBe(201);
    expect((await created.json()).token).toBeTruthy();
    expect(created.headers.get("cache-control")).toBe("no-store");
    const refused = await links.POST(new Request("http://localhost/api/test", { method: "POST", headers, body: "{" }), ctx);
    expect(refused.status).toBe(400);
    expect(refused.headers.get("cache-control")).toBe("no-store");
  });

  it("answers 401 without a session, and with a forged one", async () => {
    expect((await call(networks.GET, "GET")).status).toBe(401);
    const forged = `${sessionCookieName()}=${await encode({ token: { uid: owner.id, sid: "x" }, secret: "another-secret-another-secret-00000" })}`;
    const r = await call(networks.GET, "GET", { headers: { cookie: forged } });
    expect(r.status).toBe(401);
    expect(r.json.error.code).toBe("unauthenticated");
  });

  it("refuses a mutation with a missing or forged CSRF token, and writes nothing", async () => {
    const before = await networkCount();
    const missing = await call(networks.POST, "POST", { as: owner, csrf: false, body: { name: "x", cidr: freshCidr() } });
    expect(missing.status).toBe(403);
    expect(missing.json.error.code).toBe("csrf_failed");
    const forged = await call(networks.POST, "POST", { as: owner, csrf: viewer.csrf, body: { name: "x", cidr: freshCidr() } });
    expect(forged.status).toBe(403);
    expect(await networkCount()).toBe(before);
  });

  it("answers a body that is not a JSON object with 400", async () => {
    for (const rawBody of ["[1,2]", "null", "\"text\"", "{not json"]) {
      const r = await call(networks.POST, "POST", { as: owner, rawBody });
      expect(r.status, rawBody).toBe(400);
      expect(r.json.error.message).toMatch(/JSON/);
    }
  });

  it("refuses other media types and oversized bodies", async () => {
    const form = await call(networks.POST, "POST", { as: owner, rawBody: "name=x", headers: { "content-type": "application/x-www-form-urlencoded" } });
    expect(form.status).toBe(415);
    const big = await call(networks.POST, "POST", { as: owner, body: { name: "x", cidr: "10.0.0.0/8", description: "y".repeat(MAX_JSON_BODY_BYTES) } });
    expect(big.status).toBe(413);
  });

  it("returns every field error with 400 and creates nothing", async () => {
    const before = await networkCount();
    const r = await call(networks.POST, "POST", { as: owner, body: { name: "", cidr: "10.1.2.3/16" } });
    expect(r.status).toBe(400);
    expect(Object.keys(r.json.error.fields).sort()).toEqual(["cidr", "name"]);
    expect(JSON.stringify(r.json)).not.toMatch(/at .*\.ts/); // no stack trace
    expect(await networkCount()).toBe(before);
  });

  it("answers 404 for unknown or malformed network ids", async () => {
    expect((await call(network.GET, "GET", { as: owner, params: { networkId: randomUUID() } })).status).toBe(404);
    expect((await call(network.GET, "GET", { as: owner, params: { networkId: "../../etc" } })).status).toBe(404);
  });

  it("enforces the role: a viewer reads but cannot change", async () => {
    expect((await call(network.GET, "GET", { as: viewer, params: { networkId } })).status).toBe(200);
    const r = await call(network.PATCH, "PATCH", { as: viewer, params: { networkId }, body: { name: "renamed" } });
    expect(r.status).toBe(403);
    expect((await db.network.findUniqueOrThrow({ where: { id: networkId } })).name).toBe("wrapper");
  });

  it("lets a system admin read any network but not change it", async () => {
    const read = await call(network.GET, "GET", { as: sysadmin, params: { networkId } });
    expect(read.status).toBe(200);
    expect(read.json.role).toBe("viewer");
    expect((await call(network.PATCH, "PATCH", { as: sysadmin, params: { networkId }, body: { name: "admin-was-here" } })).status).toBe(403);
    expect((await call(network.DELETE, "DELETE", { as: sysadmin, params: { networkId } })).status).toBe(403);
    const list = await call(networks.GET, "GET", { as: sysadmin });
    expect(list.json.networks.map((n: { id: string }) => n.id)).toContain(networkId);
  });

  it("signs out a user who was deleted", async () => {
    const gone = await createTestUser();
    await db.user.delete({ where: { id: gone.id } });
    expect((await call(networks.GET, "GET", { as: gone })).status).toBe(401);
  });
});
