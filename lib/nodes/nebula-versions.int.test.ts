/**
 * Issue 12 part 6: each polling host gets the config its reported Nebula version reads, and a
 * version change reaches it even on the poll's cheap (304) path. Real Postgres, real nebula-cert.
 */
import { randomBytes } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import * as networks from "@/app/api/v1/networks/route";
import * as networkRoute from "@/app/api/v1/networks/[networkId]/route";
import * as links from "@/app/api/v1/networks/[networkId]/links/route";
import * as enrollRoute from "@/app/api/v1/enroll/route";
import * as configRoute from "@/app/api/v1/node/config/route";
import * as versionsRoute from "@/app/api/v1/networks/[networkId]/versions/route";
import * as nodeConfigRoute from "@/app/api/v1/networks/[networkId]/nodes/[nodeId]/config/route";
import { db } from "@/lib/db/client";
import { call, createTestUser, freshCidr, type TestUser } from "@/lib/testing/api-harness";
import { hostKeyPair } from "@/lib/testing/nebula-tools";
import { bumpConfigRevision } from "@/lib/networks/config-revision";
import { recheckPoll } from "@/lib/enroll/poll-recheck";

let admin: TestUser;
const pollAddress = `203.0.113.${1 + Math.floor(Math.random() * 250)}`;
let ipCounter = 0;

type Config = { pki: Record<string, unknown>; firewall: Record<string, unknown> };

async function poll(credential: string, opts: { etag?: string; version?: string } = {}) {
  const report: Record<string, string> = opts.version
    ? { "x-nc-applied": opts.etag ?? "none", "x-nc-nebula": "running", "x-nc-nebula-version": opts.version, "x-nc-agent": "nc-agent/0.2.0" }
    : {};
  const res = await configRoute.GET(
    new Request("http://localhost/api/v1/node/config", {
      headers: { authorization: `Bearer ${credential}`, "x-nc-client-ip": pollAddress, ...(opts.etag ? { "if-none-match": opts.etag } : {}), ...report },
    }),
    { params: Promise.resolve({}) },
  );
  const text = await res.text();
  const json = text ? JSON.parse(text) : null;
  return { status: res.status, etag: res.headers.get("etag"), json, config: json?.config ? (parse(json.config, { version: "1.1" }) as Config) : null };
}

async function enrolledHost(networkId: string, hostname: string) {
  const link = await call(links.POST, "POST", { as: admin, params: { networkId }, body: {} });
  expect(link.status, JSON.stringify(link.json)).toBe(201);
  ipCounter++;
  const r = await call(enrollRoute.POST, "POST", {
    body: { token: link.json.token, hostname, publicKeyPem: (await hostKeyPair()).publicKeyPem },
    headers: { "x-nc-client-ip": `198.51.100.${100 + ipCounter}` },
  });
  expect(r.status, JSON.stringify(r.json)).toBe(201);
  return { credential: r.json.credential as string, nodeId: r.json.nodeId as string };
}

async function newNetwork(body: Record<string, unknown> = {}) {
  const r = await call(networks.POST, "POST", { as: admin, body: { name: `versions-${randomBytes(3).toString("hex")}`, cidr: freshCidr(), ...body } });
  expect(r.status, JSON.stringify(r.json)).toBe(201);
  return r.json.network.id as string;
}

beforeAll(async () => {
  admin = await createTestUser();
});

describe("config by the host's reported nebula version", () => {
  let networkId: string;
  let host: { credential: string; nodeId: string };

  beforeAll(async () => {
    networkId = await newNetwork();
    host = await enrolledHost(networkId, "versioned-1");
    const patched = await call(networkRoute.PATCH, "PATCH", { as: admin, params: { networkId }, body: { inboundAction: "reject" } });
    expect(patched.status, JSON.stringify(patched.json)).toBe(200);
    expect(patched.json.network).toMatchObject({ inboundAction: "reject", outboundAction: "drop" });
  });

  it("renders for the network's target (1.6) while the host has not reported a version", async () => {
    const first = await poll(host.credential);
    expect(first.status).toBe(200);
    expect(first.json.config).toContain("# Written for the keys of Nebula 1.6.");
    expect(first.config!.pki).not.toHaveProperty("initiating_version");
    expect(first.config!.firewall).not.toHaveProperty("inbound_action");
  });

  it("gives a host reporting 1.10.3 initiating_version and the action keys swapped (#1798); a 1.6.1 host none; each change a new ETag past the 304 path", async () => {
    const v110 = await poll(host.credential, { version: "1.10.3" });
    expect(v110.status).toBe(200);
    expect(v110.config!.pki.initiating_version).toBe(1);
    // The network asks reject inbound, drop outbound; 1.10 applies each key to the other direction.
    expect(v110.config!.firewall).toMatchObject({ inbound_action: "drop", outbound_action: "reject", default_local_cidr_any: true });

    // Applied and reported: the next poll is the cheap 304.
    expect((await poll(host.credential, { etag: v110.etag!, version: "1.10.3" })).status).toBe(304);

    // Downgraded to 1.6.1 and holding the 1.10.3 bundle: the same ETag must not be a 304 any more.
    const v16 = await poll(host.credential, { etag: v110.etag!, version: "1.6.1" });
    expect(v16.status).toBe(200);
    expect(v16.etag).not.toBe(v110.etag);
    expect(v16.config!.pki).not.toHaveProperty("initiating_version");
    expect(v16.config!.firewall).not.toHaveProperty("inbound_action");
    expect(v16.config!.firewall).not.toHaveProperty("default_local_cidr_any");
    expect((await poll(host.credential, { etag: v16.etag!, version: "1.6.1" })).status).toBe(304);
    expect(await db.node.findUniqueOrThrow({ where: { id: host.nodeId }, select: { nebulaVersion: true } })).toEqual({ nebulaVersion: "1.6.1" });

    // Upgraded to 1.11.0: no swap.
    const v111 = await poll(host.credential, { etag: v16.etag!, version: "1.11.0" });
    expect(v111.status).toBe(200);
    expect(v111.config!.firewall).toMatchObject({ inbound_action: "reject", outbound_action: "drop" });
  });

  it("renders the admin's view of the config for the version the host last reported", async () => {
    await poll(host.credential, { version: "1.10.3" });
    const res = await nodeConfigRoute.GET(
      new Request(`http://localhost/api/v1/networks/${networkId}/nodes/${host.nodeId}/config`, { headers: { cookie: admin.cookie } }),
      { params: Promise.resolve({ networkId, nodeId: host.nodeId }) },
    );
    expect(res.status).toBe(200);
    const yaml = await res.text();
    expect(yaml).toContain("initiating_version: 1");
    expect(yaml).toContain("# Written for the keys of Nebula 1.10.");
  });

  it("bumps the config revision when an action changes, so held polls hear it", async () => {
    const before = await db.network.findUniqueOrThrow({ where: { id: networkId }, select: { configRevision: true } });
    expect((await call(networkRoute.PATCH, "PATCH", { as: admin, params: { networkId }, body: { outboundAction: "reject" } })).status).toBe(200);
    const after = await db.network.findUniqueOrThrow({ where: { id: networkId }, select: { configRevision: true } });
    expect(after.configRevision).toBeGreaterThan(before.configRevision);
    const bad = await call(networkRoute.PATCH, "PATCH", { as: admin, params: { networkId }, body: { inboundAction: "allow" } });
    expect(bad.status).toBe(400);
    expect(bad.json.error.fields.inboundAction).toBeDefined();
  });
});

describe("long polls woken together (poll-recheck.ts)", () => {
  it("answers each woken host for the version its poll reports, past the 304 path", async () => {
    const networkId = await newNetwork();
    const host = await enrolledHost(networkId, "woken-1");
    const first = await poll(host.credential, { version: "1.6.1" });
    expect((await poll(host.credential, { etag: first.etag!, version: "1.6.1" })).status).toBe(304);
    const req = (version: string) =>
      new Request("http://localhost/api/v1/node/config", {
        headers: { authorization: `Bearer ${host.credential}`, "if-none-match": first.etag!, "x-nc-applied": first.etag!, "x-nc-nebula": "running", "x-nc-nebula-version": version, "x-nc-agent": "nc-agent/0.2.0" },
      });
    const meta = { requestId: "versions-test", clientIp: pollAddress };
    expect((await recheckPoll(req("1.6.1"), meta)).kind).toBe("not-modified");
    const upgraded = await recheckPoll(req("1.10.3"), meta);
    expect(upgraded.kind).toBe("config");
    if (upgraded.kind !== "config") return;
    expect(upgraded.etag).not.toBe(first.etag);
    expect(upgraded.body.config).toContain("initiating_version: 1");
  });
});

describe("v2 networks", () => {
  it("refuses to send a host reporting 1.6.1 a v2 config, and says why", async () => {
    const networkId = await newNetwork();
    const host = await enrolledHost(networkId, "v2-host");
    // The suite's nebula-cert may be 1.6.1, which cannot make v2 certificates; the renderer decides
    // by the network's certVersion alone, so the network is marked v2 after the host enrolled.
    await db.$transaction(async (tx) => {
      await tx.network.update({ where: { id: networkId }, data: { certVersion: 2, nebulaTarget: "v1_10" } });
      await bumpConfigRevision(tx, networkId);
    });
    const ok = await poll(host.credential, { version: "1.10.3" });
    expect(ok.status).toBe(200);
    expect(ok.config!.pki.initiating_version).toBe(2);
    const refused = await poll(host.credential, { etag: ok.etag!, version: "1.6.1" });
    expect(refused.status).toBe(409);
    expect(refused.json.error.message).toMatch(/runs Nebula 1\.6\.1, which cannot read this network's v2 certificates/);
  });
});

describe("GET /networks/{id}/versions", () => {
  it("counts active hosts per reported version, those not reported, and names the advisories of each version", async () => {
    const networkId = await newNetwork();
    const [a, b, c] = [await enrolledHost(networkId, "ver-a"), await enrolledHost(networkId, "ver-b"), await enrolledHost(networkId, "ver-c")];
    await enrolledHost(networkId, "ver-silent");
    await poll(a.credential, { version: "1.10.3" });
    await poll(b.credential, { version: "1.6.1" });
    await poll(c.credential, { version: "1.10.3" });
    const r = await call(versionsRoute.GET, "GET", { as: admin, params: { networkId } });
    expect(r.status, JSON.stringify(r.json)).toBe(200);
    expect(r.json).toMatchObject({ target: "1.6", notReported: 1 });
    expect(r.json.versions.map((v: { version: string; hosts: number }) => [v.version, v.hosts])).toEqual([
      ["1.10.3", 2],
      ["1.6.1", 1],
    ]);
    const ids = (i: number) => r.json.versions[i].advisories.map((x: { id: string }) => x.id);
    // 1.10.3 carries the fix for the P256 bypass but still has #1798; 1.6.1 predates the action keys.
    expect(ids(0)).toEqual(["action-direction-1798"]);
    expect(ids(1)).toEqual(["p256-blocklist-bypass"]);
  });
});
