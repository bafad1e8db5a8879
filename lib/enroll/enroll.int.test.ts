import { randomBytes } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import * as networks from "@/app/api/v1/networks/route";
import * as groups from "@/app/api/v1/networks/[networkId]/groups/route";
import * as links from "@/app/api/v1/networks/[networkId]/links/route";
import * as revokeLinkRoute from "@/app/api/v1/networks/[networkId]/links/[linkId]/revoke/route";
import * as block from "@/app/api/v1/networks/[networkId]/nodes/[nodeId]/block/route";
import * as approve from "@/app/api/v1/networks/[networkId]/nodes/[nodeId]/approve/route";
import * as rules from "@/app/api/v1/networks/[networkId]/rules/route";
import * as enrollRoute from "@/app/api/v1/enroll/route";
import * as configRoute from "@/app/api/v1/node/config/route";
import * as renewRoute from "@/app/api/v1/node/renew/route";
import { db, transaction } from "@/lib/db/client";
import { call, createTestUser, enrollmentCounts, freshCidr, type TestUser } from "@/lib/testing/api-harness";
import { ipv4ToInt } from "@/lib/ipam/cidr";
import { hostKeyPair, nebulaTestConfig, verifyCert } from "@/lib/testing/nebula-tools";
import { hashToken } from "./tokens";
import { UNUSABLE_LINK_TEXT } from "./join-messages";
import { insertEnrollment, type EnrollmentWrite } from "./enroll-statements";
import { claimLease, releaseClaimedLease } from "@/lib/ipam/lease-allocator";
import { hotPathPool } from "@/lib/db/pg-pool";
import { isUniqueViolation, onPg, onPrisma } from "@/lib/db/sql-runner";
import * as nodeRoute from "@/app/api/v1/networks/[networkId]/nodes/[nodeId]/route";
import * as revokeCertRoute from "@/app/api/v1/networks/[networkId]/certificates/[certificateId]/revoke/route";
import * as retireRoute from "@/app/api/v1/node/retire/route";

let admin: TestUser;
let networkId: string;
let ipCounter = 0;

/** Each enrollment comes from its own address so the per-address limit does not couple tests. */
function fromAddress() {
  ipCounter++;
  return { "x-nc-client-ip": `198.51.100.${ipCounter}` };
}

async function newLink(body: Record<string, unknown> = {}) {
  const r = await call(links.POST, "POST", { as: admin, params: { networkId }, body });
  expect(r.status, JSON.stringify(r.json)).toBe(201);
  return r.json as { token: string; joinUrl: string; link: { id: string } };
}

async function enroll(token: string, hostname: string, publicKeyPem?: string, headers = fromAddress()) {
  return call(enrollRoute.POST, "POST", { body: { token, hostname, publicKeyPem: publicKeyPem ?? (await hostKeyPair()).publicKeyPem }, headers });
}

// Rate counters outlive a test run in a reused database; fresh identities keep reruns independent.
const pollAddress = `203.0.113.${1 + Math.floor(Math.random() * 250)}`;
const randomCredential = () => `ncn_${randomBytes(32).toString("base64url")}`;

async function poll(credential: string, etag?: string, dir = "/etc/nebula", report: Record<string, string> = {}) {
  const res = await configRoute.GET(
    new Request(`http://localhost/api/v1/node/config?dir=${encodeURIComponent(dir)}`, {
      headers: { authorization: `Bearer ${credential}`, "x-nc-client-ip": pollAddress, ...(etag ? { "if-none-match": etag } : {}), ...report },
    }),
    { params: Promise.resolve({}) },
  );
  const text = await res.text();
  return { status: res.status, etag: res.headers.get("etag"), json: text ? JSON.parse(text) : null };
}

const counts = () => enrollmentCounts(networkId);

beforeAll(async () => {
  admin = await createTestUser();
  networkId = (await call(networks.POST, "POST", { as: admin, body: { name: "enroll-net", cidr: freshCidr() } })).json.network.id;
  await call(groups.POST, "POST", { as: admin, params: { networkId }, body: { name: "web" } });
});

describe("join links", () => {
  it("shows the token once and stores only its hash", async () => {
    const { token, joinUrl, link } = await newLink({ presetGroups: ["web"], description: "servers" });
    expect(token).toMatch(/^ncj_[A-Za-z0-9_-]{43}$/);
    expect(joinUrl).toContain(`/join/${token}`);
    const row = await db.enrollLink.findUniqueOrThrow({ where: { id: link.id } });
    expect(row.tokenHash).toBe(hashToken(token));
    const list = await call(links.GET, "GET", { as: admin, params: { networkId } });
    expect(JSON.stringify(list.json)).not.toContain(token);
  });

  it("validates links: lifetime at most 30 days, unknown preset groups", async () => {
    const r = await call(links.POST, "POST", { as: admin, params: { networkId }, body: { expiresInHours: 24 * 31, presetGroups: ["nope"] } });
    expect(r.status).toBe(400);
    expect(r.json.error.fields.expiresInHours).toBeDefined();
    const r2 = await call(links.POST, "POST", { as: admin, params: { networkId }, body: { presetGroups: ["nope"] } });
    expect(r2.json.error.fields.presetGroups[0]).toMatch(/must exist/);
  });
});

describe("enrollment", () => {
  it("signs the host's own key, with preset groups, and the config passes nebula -test", async () => {
    const { token } = await newLink({ presetGroups: ["web"] });
    const keys = await hostKeyPair();
    const r = await enroll(token, "Web-01", keys.publicKeyPem);
    expect(r.status).toBe(201);
    expect(r.json).toMatchObject({ name: "web-01", status: "active", credential: expect.stringMatching(/^ncn_/) });
    const first = await poll(r.json.credential);
    expect(first.status).toBe(200);
    await verifyCert(first.json.ca, first.json.certificate);
    expect(first.json.renewalDue).toBe(false);
    const cert = await db.certificate.findFirstOrThrow({ where: { nodeId: r.json.nodeId } });
    expect(cert.groups).toEqual(["web"]);
    const test = await nebulaTestConfig(async (dir) => {
      const p = await poll(r.json.credential, undefined, dir);
      return { yaml: p.json.config, caPem: p.json.ca, certPem: p.json.certificate };
    }, keys.privateKeyPem);
    expect(test.ok, test.output).toBe(true);
    expect(await db.nodeCredential.findFirstOrThrow({ where: { nodeId: r.json.nodeId } })).toMatchObject({ tokenHash: hashToken(r.json.credential) });
  });

  it.each([
    ["unknown", async () => "ncj_" + "A".repeat(43)],
    ["malformed", async () => "not-a-token"],
    ["expired", async () => {
      const l = await newLink();
      await db.enrollLink.update({ where: { id: l.link.id }, data: { expiresAt: new Date(Date.now() - 1000) } });
      return l.token;
    }],
    ["revoked", async () => {
      const l = await newLink();
      expect((await call(revokeLinkRoute.POST, "POST", { as: admin, params: { networkId, linkId: l.link.id } })).status).toBe(204);
      return l.token;
    }],
    ["used up (a replayed single-use link)", async () => {
      const l = await newLink({ maxUses: 1 });
      expect((await enroll(l.token, `first-${Date.now()}`)).status).toBe(201);
      return l.token;
    }],
  ])("refuses a %s token with one message and leaves nothing behind", async (_kind, makeToken) => {
    const token = await makeToken();
    const before = await counts();
    const r = await enroll(token, `host-${Date.now()}`);
    expect(r.status).toBe(404);
    // The join page and install.sh say exactly the same.
    expect(r.json.error.message).toBe(UNUSABLE_LINK_TEXT);
    expect(await counts()).toEqual(before);
  });

  it("refuses bad keys, bad hostnames and oversized bodies without using the token", async () => {
    const { token, link } = await newLink({ maxUses: 1 });
    const keys = await hostKeyPair();
    const cases = [
      { publicKeyPem: keys.privateKeyPem, field: "publicKeyPem", msg: /private key/ },
      { publicKeyPem: keys.publicKeyPem.replaceAll("X25519", "P256"), field: "publicKeyPem", msg: /P256/ },
      { publicKeyPem: "garbage", field: "publicKeyPem", msg: /PEM/ },
    ];
    for (const c of cases) {
      const r = await call(enrollRoute.POST, "POST", { body: { token, hostname: "ok-host", publicKeyPem: c.publicKeyPem }, headers: fromAddress() });
      expect(r.status).toBe(400);
      expect(r.json.error.fields[c.field][0]).toMatch(c.msg);
    }
    const badName = await call(enrollRoute.POST, "POST", { body: { token, hostname: "$(reboot)", publicKeyPem: keys.publicKeyPem }, headers: fromAddress() });
    expect(badName.json.error.fields.hostname).toBeDefined();
    const big = await call(enrollRoute.POST, "POST", { body: { token, hostname: "ok-host", publicKeyPem: keys.publicKeyPem, pad: "x".repeat(20_000) }, headers: fromAddress() });
    expect(big.status).toBe(413);
    expect((await db.enrollLink.findUniqueOrThrow({ where: { id: link.id } })).usedCount).toBe(0);
    expect((await enroll(token, "ok-host", keys.publicKeyPem)).status).toBe(201);
  });

  it("refuses a hostname collision without using the token", async () => {
    const { token, link } = await newLink({ maxUses: 5 });
    expect((await enroll(token, "twin")).status).toBe(201);
    const before = await counts();
    const r = await enroll(token, "twin");
    expect(r.status).toBe(400);
    expect(r.json.error.fields.hostname[0]).toMatch(/already exists/);
    expect(await counts()).toEqual(before);
    expect((await db.enrollLink.findUniqueOrThrow({ where: { id: link.id } })).usedCount).toBe(1);
  });

  it("leaves nothing behind when nebula-cert fails, and returns the claimed address at once", async () => {
    const { token, link } = await newLink({ maxUses: 2 });
    const before = await counts();
    // The address an enrollment now gets: the lowest unleased one from the network's cursor.
    const cursor = Number((await db.network.findUniqueOrThrow({ where: { id: networkId } })).leaseCursor);
    const leased = new Set((await db.lease.findMany({ where: { networkId }, select: { address: true } })).map((l) => Number(l.address)));
    let expected = cursor;
    while (leased.has(expected)) expected++;
    const key = (await hostKeyPair()).publicKeyPem;
    const saved = process.env.NEBULA_CERT_BIN;
    process.env.NEBULA_CERT_BIN = "/nonexistent/nebula-cert";
    try {
      const r = await enroll(token, "doomed-host", key);
      expect(r.status).toBe(503);
    } finally {
      process.env.NEBULA_CERT_BIN = saved;
    }
    expect(await counts()).toEqual(before);
    expect((await db.enrollLink.findUniqueOrThrow({ where: { id: link.id } })).usedCount).toBe(0);
    // The address it had claimed is the next one handed out, not skipped.
    const next = await enroll(token, "after-doomed");
    expect(next.status).toBe(201);
    expect(ipv4ToInt(next.json.ip)).toBe(expected);
  });

  it("returns the address its first statement claimed when a check after it refuses (a CA key that cannot be unsealed)", async () => {
    const { token } = await newLink({ maxUses: 2 });
    const before = await counts();
    const ca = await db.ca.findFirstOrThrow({ where: { networkId, state: "current" }, select: { id: true, keyCiphertext: true } });
    await db.ca.update({ where: { id: ca.id }, data: { keyCiphertext: ca.keyCiphertext.slice(0, -8) + "AAAAAAAA" } });
    try {
      expect((await enroll(token, "unsealable")).status).toBe(500);
      expect(await counts()).toEqual(before);
    } finally {
      await db.ca.update({ where: { id: ca.id }, data: { keyCiphertext: ca.keyCiphertext } });
    }
  });

  it("its one write writes nothing when the claim was taken back or the link used up since the read, and a taken name is a unique violation", async () => {
    const { link } = await newLink({ maxUses: 1 });
    const network = await db.network.findUniqueOrThrow({ where: { id: networkId } });
    const write = (leaseId: string, name: string): EnrollmentWrite => ({
      networkId, linkId: link.id, leaseId, name, status: "pending", isLighthouse: false, isRelay: false, endpoints: [], listenPort: null,
      pendingPublicKeyPem: "key", description: "", groupIds: [], credentialHash: hashToken(randomCredential()), certificate: null,
      audit: { actorName: "test", after: {}, requestId: null }, clientIp: null,
    });
    const sql = onPg(hotPathPool());
    const gone = await claimLease(network);
    await releaseClaimedLease(networkId, gone.leaseId);
    const before = await counts();
    expect(await insertEnrollment(sql, write(gone.leaseId, "never-claimed"))).toEqual({ nodeId: null, claimHeld: false });
    expect(await counts()).toEqual(before);
    expect((await db.enrollLink.findUniqueOrThrow({ where: { id: link.id } })).usedCount).toBe(0);

    const claim = await claimLease(network);
    await db.enrollLink.update({ where: { id: link.id }, data: { usedCount: 1 } });
    expect(await insertEnrollment(sql, write(claim.leaseId, "link-used-up"))).toEqual({ nodeId: null, claimHeld: true });
    expect(await db.node.count({ where: { networkId, name: "link-used-up" } })).toBe(0);
    expect(await db.enrollUse.count({ where: { linkId: link.id } })).toBe(0);

    // A name taken by a racing enrollment after the read: the unique key refuses the whole statement.
    await db.enrollLink.update({ where: { id: link.id }, data: { usedCount: 0 } });
    await db.node.create({ data: { networkId, name: "raced-name", endpoints: [] } });
    const refused = await insertEnrollment(sql, write(claim.leaseId, "raced-name")).catch((error: unknown) => error);
    expect(isUniqueViolation(refused)).toBe(true);
    // The same in a transaction (a guarded or watched enrollment), where Prisma wraps the error.
    const refusedInTx = await transaction((tx) => insertEnrollment(onPrisma(tx), write(claim.leaseId, "raced-name"))).catch((error: unknown) => error);
    expect(isUniqueViolation(refusedInTx)).toBe(true);
    expect(isUniqueViolation(new Error("other"))).toBe(false);
    expect((await db.enrollLink.findUniqueOrThrow({ where: { id: link.id } })).usedCount).toBe(0);
    expect((await db.lease.findUniqueOrThrow({ where: { id: claim.leaseId } })).nodeId).toBeNull();
    await releaseClaimedLease(networkId, claim.leaseId);
  });

  it("lets exactly N enrollments through an N-use link, even when raced", async () => {
    const { token, link } = await newLink({ maxUses: 3 });
    const results = await Promise.all(Array.from({ length: 6 }, (_, i) => enroll(token, `race-${i}`)));
    expect(results.filter((r) => r.status === 201)).toHaveLength(3);
    expect((await db.enrollLink.findUniqueOrThrow({ where: { id: link.id } })).usedCount).toBe(3);
    expect(await db.enrollUse.count({ where: { linkId: link.id } })).toBe(3);
    // The losers signed too (nothing is locked while signing), but kept nothing: no node, lease or certificate.
    expect(await db.node.count({ where: { networkId, name: { startsWith: "race-" } } })).toBe(3);
    expect(await db.lease.count({ where: { networkId, nodeId: null, quarantinedUntil: { gt: new Date() } } })).toBe(0);
  });

  it("rate-limits enrollment attempts per token, across addresses", async () => {
    const probe = `ncj_${randomBytes(32).toString("base64url")}`;
    const { publicKeyPem } = await hostKeyPair();
    const statuses = [];
    for (let i = 0; i < 12; i++) statuses.push((await call(enrollRoute.POST, "POST", { body: { token: probe, hostname: `rl-${i}`, publicKeyPem }, headers: fromAddress() })).status);
    expect(statuses.slice(0, 10)).toEqual(Array(10).fill(404));
    expect(statuses.slice(10)).toEqual([429, 429]);
  });

  it("holds an approval-link node pending until an admin approves it", async () => {
    const { token } = await newLink({ requiresApproval: true });
    const r = await enroll(token, "needs-ok");
    expect(r.json.status).toBe("pending");
    expect((await poll(r.json.credential)).status).toBe(202);
    expect(await db.certificate.count({ where: { nodeId: r.json.nodeId } })).toBe(0);
    const ok = await call(approve.POST, "POST", { as: admin, params: { networkId, nodeId: r.json.nodeId } });
    expect(ok.status).toBe(200);
    expect((await poll(r.json.credential)).status).toBe(200);
  });

  it("changes other hosts' configs (and wakes their long polls) only when the new node is a lighthouse or relay", async () => {
    const revision = async () => (await db.network.findUniqueOrThrow({ where: { id: networkId } })).configRevision;
    const existing = await enroll((await newLink()).token, "rev-watcher");
    const before = await poll(existing.json.credential);
    const start = await revision();
    expect((await enroll((await newLink()).token, "rev-plain")).status).toBe(201);
    expect(await revision()).toBe(start);
    // Nothing changed for the other host: same bundle, and its ETag is still the current one.
    expect((await poll(existing.json.credential, before.etag!)).status).toBe(304);
    const lighthouse = await enroll((await newLink({ isLighthouse: true, endpoints: ["198.51.100.200:4242"], listenPort: 4242 })).token, "rev-lighthouse");
    expect(lighthouse.status, JSON.stringify(lighthouse.json)).toBe(201);
    expect(await revision()).toBe(start + 1);
    const after = await poll(existing.json.credential, before.etag!);
    expect(after.status).toBe(200);
    expect(after.json.config).toContain("198.51.100.200:4242");
  });
});

describe("config polling", () => {
  let credA: string;
  let credB: string;
  let nodeA: string;
  let nodeB: string;

  beforeAll(async () => {
    const { token } = await newLink({ maxUses: 2 });
    const a = await enroll(token, "poll-a");
    const b = await enroll(token, "poll-b");
    credA = a.json.credential;
    credB = b.json.credential;
    nodeA = a.json.nodeId;
    nodeB = b.json.nodeId;
  });

  it("answers 304 to an unchanged config, and writes an unchanged report at most every half interval", async () => {
    const first = await poll(credA);
    expect(first.status).toBe(200);
    expect(first.json.pollSeconds).toBe(60);
    expect(first.json.restartKey).toMatch(/^[0-9a-f]{16}$/);
    const again = await poll(credA, first.etag!);
    expect(again.status).toBe(304);
    const seen1 = (await db.node.findUniqueOrThrow({ where: { id: nodeA } })).lastSeenAt;
    expect((await poll(credA, first.etag!)).status).toBe(304);
    const seen2 = (await db.node.findUniqueOrThrow({ where: { id: nodeA } })).lastSeenAt;
    expect(seen2?.getTime()).toBe(seen1?.getTime());
  });

  it("shows what the host reported, never what was sent: fetched, applied, nebula down", async () => {
    const view = async () => (await call(nodeRoute.GET, "GET", { as: admin, params: { networkId, nodeId: nodeA } })).json.node.host;
    const first = await poll(credA);
    // Fetched but not yet confirmed: not "applied", even though the server sent the latest bundle.
    await poll(credA, first.etag!, "/etc/nebula", { "x-nc-applied": "none", "x-nc-nebula": "stopped", "x-nc-agent": "nc-agent/0.2.0" });
    expect((await view()).state).toBe("down");
    await poll(credA, first.etag!, "/etc/nebula", { "x-nc-applied": "none", "x-nc-nebula": "running", "x-nc-agent": "nc-agent/0.2.0", "x-nc-error": "nebula -test refused revision 3: bad" });
    expect(await view()).toMatchObject({ state: "fetched", lastError: "nebula -test refused revision 3: bad" });
    await poll(credA, first.etag!, "/etc/nebula", { "x-nc-applied": first.etag!, "x-nc-nebula": "running", "x-nc-nebula-version": "1.6.1", "x-nc-agent": "nc-agent/0.2.0" });
    expect(await view()).toMatchObject({ state: "applied", appliedRevision: first.json.revision, nebulaVersion: "1.6.1", agentVersion: "nc-agent/0.2.0", lastError: null });
    // A forged applied ETag that was never rendered proves nothing.
    await poll(credA, first.etag!, "/etc/nebula", { "x-nc-applied": '"0123456789abcdef"', "x-nc-nebula": "running", "x-nc-agent": "nc-agent/0.2.0" });
    expect((await view()).state).toBe("fetched");
  });

  it("records what an agent older than reports sends: last seen, the ETag fetched, its nebula version", async () => {
    // The bundle is written for the host's nebula version, so both polls name the same one.
    const first = await poll(credB, undefined, "/etc/nebula", { "x-nc-nebula-version": "1.9.7" });
    await db.node.update({ where: { id: nodeB }, data: { lastSeenAt: null, fetchedEtag: null, nebulaVersion: null } });
    expect((await poll(credB, first.etag!, "/etc/nebula", { "x-nc-nebula-version": "1.9.7" })).status).toBe(304);
    const node = await db.node.findUniqueOrThrow({ where: { id: nodeB } });
    expect(node).toMatchObject({ fetchedEtag: first.etag, nebulaVersion: "1.9.7" });
    expect(Date.now() - node.lastSeenAt!.getTime()).toBeLessThan(60_000);
  });

  it("a rule change reaches only the nodes it applies to", async () => {
    const a0 = await poll(credA);
    const b0 = await poll(credB);
    await call(groups.POST, "POST", { as: admin, params: { networkId }, body: { name: "only-b" } });
    const bNode = await db.node.findFirstOrThrow({ where: { networkId, name: "poll-b" } });
    await db.nodeGroup.create({ data: { nodeId: bNode.id, groupId: (await db.group.findFirstOrThrow({ where: { networkId, name: "only-b" } })).id } });
    await call(rules.POST, "POST", { as: admin, params: { networkId }, body: { direction: "inbound", port: "8080", proto: "tcp", peer: { kind: "any" }, appliesTo: { kind: "group", group: "only-b" } } });
    expect((await poll(credA, a0.etag!)).status).toBe(304);
    const b1 = await poll(credB, b0.etag!);
    expect(b1.status).toBe(200);
    expect(b1.json.config).toContain('port: "8080"');
  });

  it("tells a quiet node that its certificate is due, even when nothing else changed", async () => {
    const first = await poll(credA);
    const day = 86_400_000;
    await db.certificate.updateMany({ where: { nodeId: nodeA, revokedAt: null }, data: { notBefore: new Date(Date.now() - 29 * day), notAfter: new Date(Date.now() + day) } });
    const due = await poll(credA, first.etag!);
    expect(due.status).toBe(200);
    expect(due.json.renewalDue).toBe(true);
  });

  it("renewal rotates the credential and the old one stops working", async () => {
    const keys = await hostKeyPair();
    const res = await renewRoute.POST(
      new Request("http://localhost/api/v1/node/renew", { method: "POST", headers: { authorization: `Bearer ${credA}`, "content-type": "application/json", "x-nc-client-ip": "203.0.113.60" }, body: JSON.stringify({ publicKeyPem: keys.publicKeyPem }) }),
      { params: Promise.resolve({}) },
    );
    expect(res.status).toBe(200);
    const renewed = (await res.json()) as { credential: string; certificate: string };
    expect((await poll(credA)).status).toBe(401);
    const p = await poll(renewed.credential);
    expect(p.json.certificate).toBe(renewed.certificate);
    credA = renewed.credential;
  });

  it("a blocked node's credential stops working and the others get its fingerprint in the blocklist", async () => {
    const fingerprint = (await db.certificate.findFirstOrThrow({ where: { nodeId: nodeA, revokedAt: null } })).fingerprint;
    const b0 = await poll(credB);
    const r = await call(block.POST, "POST", { as: admin, params: { networkId, nodeId: nodeA } });
    expect(r.json.node.status).toBe("blocked");
    const blocked = await poll(credA);
    // Distinct from a bad credential: the agent stops for good and says why.
    expect(blocked.status).toBe(403);
    expect(blocked.json.error.code).toBe("node_blocked");
    const b1 = await poll(credB, b0.etag!);
    expect(b1.status).toBe(200);
    expect(b1.json.config).toContain(fingerprint);
  });

  it("refuses wrong and malformed credentials, and slows down repeated failures", async () => {
    const statuses = [];
    const wrong = randomCredential();
    for (let i = 0; i < 7; i++) statuses.push((await poll(wrong)).status);
    expect(statuses.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
    expect(statuses.slice(5)).toEqual([429, 429]);
    expect((await poll("garbage")).status).toBe(401);
  });

  it("the files endpoint knows its three files only, not inherited property names", async () => {
    const filesRoute = await import("@/app/api/v1/node/files/[file]/route");
    for (const file of ["constructor", "__proto__", "toString", "hasOwnProperty"]) {
      const res = await filesRoute.GET(new Request(`http://localhost/api/v1/node/files/${file}`, { headers: { authorization: `Bearer ${credB}` } }), { params: Promise.resolve({ file }) });
      expect(res.status, file).toBe(404);
    }
  });

  it("a deleted node's agent hears 410 gone, not 401", async () => {
    const { token } = await newLink();
    const r = await enroll(token, "to-delete");
    expect((await poll(r.json.credential)).status).toBe(200);
    expect((await call(nodeRoute.DELETE, "DELETE", { as: admin, params: { networkId, nodeId: r.json.nodeId } })).status).toBe(204);
    const gone = await poll(r.json.credential);
    expect(gone.status).toBe(410);
    expect(gone.json.error.code).toBe("gone");
  });

  it("a host retiring itself (--replace) deletes its node and blocklists its certificate", async () => {
    const { token } = await newLink();
    const r = await enroll(token, "to-retire");
    const fingerprint = (await db.certificate.findFirstOrThrow({ where: { nodeId: r.json.nodeId } })).fingerprint;
    const res = await retireRoute.POST(new Request("http://localhost/api/v1/node/retire", { method: "POST", headers: { authorization: `Bearer ${r.json.credential}`, "x-nc-client-ip": pollAddress } }), { params: Promise.resolve({}) });
    expect(res.status).toBe(204);
    expect(await db.node.count({ where: { id: r.json.nodeId } })).toBe(0);
    expect((await db.certificate.findUniqueOrThrow({ where: { fingerprint } })).revokedAt).not.toBeNull();
    expect((await db.auditEvent.findFirstOrThrow({ where: { networkId, action: "node.retire", targetName: "to-retire" } })).actorName).toContain("to-retire");
    expect((await poll(r.json.credential)).status).toBe(410);
  });

  it("renewal needs an unrevoked current certificate inside its renewal window, so a stolen credential cannot undo a revocation", async () => {
    const { token } = await newLink();
    const r = await enroll(token, "renew-guard");
    const renew = async (credential: string) =>
      renewRoute.POST(
        new Request("http://localhost/api/v1/node/renew", { method: "POST", headers: { authorization: `Bearer ${credential}`, "content-type": "application/json", "x-nc-client-ip": pollAddress }, body: JSON.stringify({ publicKeyPem: (await hostKeyPair()).publicKeyPem }) }),
        { params: Promise.resolve({}) },
      );
    const early = await renew(r.json.credential);
    expect(early.status).toBe(409);
    expect(((await early.json()) as { error: { message: string } }).error.message).toMatch(/not due for renewal/);
    const cert = await db.certificate.findFirstOrThrow({ where: { nodeId: r.json.nodeId, revokedAt: null } });
    const day = 86_400_000;
    await db.certificate.update({ where: { id: cert.id }, data: { notBefore: new Date(Date.now() - 29 * day), notAfter: new Date(Date.now() + day) } });
    expect((await call(revokeCertRoute.POST, "POST", { as: admin, params: { networkId, certificateId: cert.id }, body: { reason: "key leaked" } })).status).toBe(200);
    const certsBefore = await db.certificate.count({ where: { nodeId: r.json.nodeId } });
    const refused = await renew(r.json.credential);
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as { error: { message: string } }).error.message).toMatch(/revoked, so it cannot be renewed/);
    expect(await db.certificate.count({ where: { nodeId: r.json.nodeId } })).toBe(certsBefore);
  });
});
