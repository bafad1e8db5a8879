/**
 * CA rotation against the real Postgres and nebula-cert: trust first (bundle), then switch, then
 * re-sign (renewal or all at once), then retire only once every host reported applying a
 * certificate from the new CA.
 */
import { beforeAll, describe, expect, it } from "vitest";
import * as networks from "@/app/api/v1/networks/route";
import * as members from "@/app/api/v1/networks/[networkId]/members/route";
import * as links from "@/app/api/v1/networks/[networkId]/links/route";
import * as rotation from "@/app/api/v1/networks/[networkId]/ca/rotation/route";
import * as rotationSwitch from "@/app/api/v1/networks/[networkId]/ca/rotation/switch/route";
import * as rotationResign from "@/app/api/v1/networks/[networkId]/ca/rotation/resign/route";
import * as rotationRetire from "@/app/api/v1/networks/[networkId]/ca/rotation/retire/route";
import * as enrollRoute from "@/app/api/v1/enroll/route";
import * as configRoute from "@/app/api/v1/node/config/route";
import * as renewRoute from "@/app/api/v1/node/renew/route";
import { db } from "@/lib/db/client";
import { call, createTestUser, freshCidr, type TestUser } from "@/lib/testing/api-harness";
import { hostKeyPair, nebulaTestConfig, verifyCert } from "@/lib/testing/nebula-tools";
import { blocklistFor } from "./certificate-service";
import { NebulaCert, NebulaCertError } from "./nebula-cert";
import { nextCaName, RETIRE_SETTLE_SECONDS, startRotation } from "./ca-rotation";

let owner: TestUser;
let admin: TestUser;
let networkId: string;
const hosts: Record<string, { credential: string; nodeId: string; privateKeyPem: string; etag?: string }> = {};
let address = 0;
const clientIp = () => `198.51.100.${100 + (address++ % 150)}`;

const pemBlocks = (pem: string) => pem.match(/-----BEGIN NEBULA CERTIFICATE-----/g)?.length ?? 0;

async function poll(name: string, report: Record<string, string> = {}, dir = "/etc/nebula") {
  const h = hosts[name]!;
  const res = await configRoute.GET(
    new Request(`http://localhost/api/v1/node/config?dir=${encodeURIComponent(dir)}`, {
      headers: { authorization: `Bearer ${h.credential}`, "x-nc-client-ip": clientIp(), ...(h.etag ? { "if-none-match": h.etag } : {}), ...report },
    }),
    { params: Promise.resolve({}) },
  );
  const text = await res.text();
  return { status: res.status, etag: res.headers.get("etag"), json: text ? JSON.parse(text) : null };
}

/** What an agent does: fetch the bundle, apply it, and say so on its next poll. */
async function fetchAndApply(name: string) {
  const fetched = await poll(name);
  const h = hosts[name]!;
  if (fetched.etag) h.etag = fetched.etag;
  await poll(name, { "x-nc-applied": h.etag!, "x-nc-nebula": "running", "x-nc-agent": "nc-agent/0.2.0" });
  return fetched;
}

async function status() {
  const r = await call(rotation.GET, "GET", { as: admin, params: { networkId } });
  expect(r.status).toBe(200);
  return r.json.rotation;
}

/** What waiting RETIRE_SETTLE_SECONDS would do: the moments the hosts moved to their certificates recede. */
const lighthouseIntervalPasses = () =>
  db.$executeRaw`UPDATE "Node" SET "appliedCertSince" = "appliedCertSince" - make_interval(secs => ${RETIRE_SETTLE_SECONDS}::float8) WHERE "networkId" = ${networkId}::uuid`;

const caPem = async (state: "current" | "next" | "previous" | "retired") => (await db.ca.findFirstOrThrow({ where: { networkId, state } })).certPem;

beforeAll(async () => {
  owner = await createTestUser({ name: "rotation-owner" });
  admin = await createTestUser({ name: "rotation-admin" });
  networkId = (await call(networks.POST, "POST", { as: owner, body: { name: "rotation-net", cidr: freshCidr() } })).json.network.id;
  const added = await call(members.POST, "POST", { as: owner, params: { networkId }, body: { userId: admin.id, role: "admin" } });
  expect(added.status, JSON.stringify(added.json)).toBe(201);
  const link = await call(links.POST, "POST", { as: owner, params: { networkId }, body: { maxUses: null } });
  for (const name of ["alpha", "bravo"]) {
    const keys = await hostKeyPair();
    const r = await call(enrollRoute.POST, "POST", { body: { token: link.json.token, hostname: name, publicKeyPem: keys.publicKeyPem }, headers: { "x-nc-client-ip": clientIp() } });
    expect(r.status, JSON.stringify(r.json)).toBe(201);
    hosts[name] = { credential: r.json.credential, nodeId: r.json.nodeId, privateKeyPem: keys.privateKeyPem };
    await fetchAndApply(name);
  }
}, 60_000);

describe("CA rotation", () => {
  it("names the next CA after the current one, dated, within the CA name rules", () => {
    const day = new Date("2026-11-26T12:00:00Z");
    expect(nextCaName("Home lab CA", day)).toBe("Home lab CA 2026-11-26");
    expect(nextCaName("Home lab CA 2024-11-26", day)).toBe("Home lab CA 2026-11-26");
    expect(nextCaName("Büro/Netz CA", day)).toBe("B-ro-Netz CA 2026-11-26");
    expect(nextCaName("x".repeat(64), day)).toHaveLength(64);
  });

  it("refuses an admin (owners only) and a retire or switch with no rotation under way", async () => {
    expect((await call(rotation.POST, "POST", { as: admin, params: { networkId }, body: {} })).status).toBe(403);
    const retire = await call(rotationRetire.POST, "POST", { as: owner, params: { networkId } });
    expect(retire.status).toBe(409);
    expect((await call(rotationSwitch.POST, "POST", { as: owner, params: { networkId }, body: {} })).status).toBe(409);
    expect((await status()).phase).toBe("none");
  });

  it("leaves nothing behind when nebula-cert fails to make the next CA", async () => {
    class FailingCa extends NebulaCert {
      override async runInWorkspace(args: string[], write: Record<string, string>, read: string[]) {
        if (args[0] === "ca") throw new NebulaCertError("nebula-cert ca failed: simulated");
        return super.runInWorkspace(args, write, read);
      }
    }
    const before = await db.network.findUniqueOrThrow({ where: { id: networkId }, select: { configRevision: true } });
    await expect(startRotation({ id: owner.id, displayName: "owner" }, networkId, {}, { requestId: "test", clientIp: null }, new FailingCa())).rejects.toMatchObject({ code: "conflict" });
    expect(await db.ca.count({ where: { networkId } })).toBe(1);
    expect((await db.network.findUniqueOrThrow({ where: { id: networkId }, select: { configRevision: true } })).configRevision).toBe(before.configRevision);
    expect(await db.auditEvent.count({ where: { networkId, action: { startsWith: "ca.rotation" } } })).toBe(0);
  });

  it("starts: the next CA (same version) joins every host's bundle, the current CA still signs, and nebula loads the bundle", async () => {
    const r = await call(rotation.POST, "POST", { as: owner, params: { networkId }, body: {} });
    expect(r.status, JSON.stringify(r.json)).toBe(201);
    expect(r.json.rotation.phase).toBe("trust");
    const [oldCa, nextCa] = await Promise.all([db.ca.findFirstOrThrow({ where: { networkId, state: "current" } }), db.ca.findFirstOrThrow({ where: { networkId, state: "next" } })]);
    expect(nextCa.version).toBe(oldCa.version);
    expect(await call(rotation.POST, "POST", { as: owner, params: { networkId }, body: {} })).toMatchObject({ status: 409 });

    const fetched = await poll("alpha");
    expect(fetched.status).toBe(200);
    expect(pemBlocks(fetched.json.ca)).toBe(2);
    expect(fetched.json.ca.indexOf(oldCa.certPem.trim())).toBeLessThan(fetched.json.ca.indexOf(nextCa.certPem.trim()));
    await verifyCert(oldCa.certPem, fetched.json.certificate);
    expect(fetched.json.renewalDue).toBe(false);
    const test = await nebulaTestConfig(async (dir) => {
      const p = await poll("alpha", {}, dir);
      return { yaml: p.json.config, caPem: p.json.ca, certPem: p.json.certificate };
    }, hosts.alpha!.privateKeyPem);
    expect(test.ok, test.output).toBe(true);
    expect(await db.auditEvent.count({ where: { networkId, action: "ca.rotation.start" } })).toBe(1);
  }, 60_000);

  it("refuses to switch while a host has not applied the trust bundle, naming it; switches once both have", async () => {
    await fetchAndApply("alpha");
    const refused = await call(rotationSwitch.POST, "POST", { as: owner, params: { networkId }, body: {} });
    expect(refused.status).toBe(409);
    expect(refused.json.error.message).toContain("bravo");
    expect(refused.json.error.message).not.toContain("alpha");
    const s = await status();
    expect(s.hosts).toMatchObject({ active: 2, trusting: 1, onNew: 0 });
    expect(s.canSwitch).toBe(false);

    await fetchAndApply("bravo");
    expect((await status()).canSwitch).toBe(true);
    const switched = await call(rotationSwitch.POST, "POST", { as: owner, params: { networkId }, body: {} });
    expect(switched.status, JSON.stringify(switched.json)).toBe(200);
    expect(switched.json.rotation.phase).toBe("switched");
    expect(await db.ca.count({ where: { networkId, state: "previous" } })).toBe(1);
    // Both CAs are still in the bundle, and hosts on the old CA hear that renewal is due.
    const due = await poll("alpha");
    expect(pemBlocks(due.json.ca)).toBe(2);
    expect(due.json.renewalDue).toBe(true);
  }, 60_000);

  it("renews a host on the old CA with the new CA at once, and keeps the old certificate off the blocklist", async () => {
    await fetchAndApply("alpha");
    const oldCert = await db.certificate.findFirstOrThrow({ where: { nodeId: hosts.alpha!.nodeId, revokedAt: null } });
    const keys = await hostKeyPair();
    const res = await renewRoute.POST(
      new Request("http://localhost/api/v1/node/renew", {
        method: "POST",
        headers: { authorization: `Bearer ${hosts.alpha!.credential}`, "content-type": "application/json", "x-nc-client-ip": clientIp() },
        body: JSON.stringify({ publicKeyPem: keys.publicKeyPem }),
      }),
      { params: Promise.resolve({}) },
    );
    const renewed = (await res.json()) as { credential: string; certificate: string };
    expect(res.status, JSON.stringify(renewed)).toBe(200);
    await verifyCert(await caPem("current"), renewed.certificate);
    await expect(verifyCert(await caPem("previous"), renewed.certificate)).rejects.toThrow();
    hosts.alpha = { ...hosts.alpha!, credential: renewed.credential, privateKeyPem: keys.privateKeyPem };
    expect((await db.certificate.findUniqueOrThrow({ where: { id: oldCert.id } })).revokedAt).toBeNull();
    expect(await blocklistFor(networkId)).not.toContain(oldCert.fingerprint);
    expect(await db.auditEvent.count({ where: { networkId, action: "certificate.renew-rotated" } })).toBe(1);

    // Signed by the new CA, but not yet applied: progress counts only what the host confirmed.
    expect((await status()).hosts).toMatchObject({ signedByNew: 1, onNew: 0 });
    await fetchAndApply("alpha");
    const s = await status();
    expect(s.hosts).toMatchObject({ active: 2, signedByNew: 1, onNew: 1, leftCount: 1, left: ["bravo"] });
  }, 60_000);

  it("refuses to retire the old CA naming the host left; re-sign all signs it with the new CA; retire succeeds once it applied", async () => {
    const refused = await call(rotationRetire.POST, "POST", { as: owner, params: { networkId } });
    expect(refused.status).toBe(409);
    expect(refused.json.error.message).toMatch(/1 active host .*bravo/);
    expect(refused.json.error.message).not.toContain("alpha");

    const bravoOld = await db.certificate.findFirstOrThrow({ where: { nodeId: hosts.bravo!.nodeId, revokedAt: null } });
    const resigned = await call(rotationResign.POST, "POST", { as: owner, params: { networkId }, body: {} });
    expect(resigned.status, JSON.stringify(resigned.json)).toBe(200);
    expect(resigned.json).toMatchObject({ resigned: 1, remaining: 0 });
    const bravoNew = await db.certificate.findFirstOrThrow({ where: { nodeId: hosts.bravo!.nodeId, revokedAt: null }, orderBy: { createdAt: "desc" } });
    expect(bravoNew.id).not.toBe(bravoOld.id);
    expect(bravoNew.publicKeyPem).toBe(bravoOld.publicKeyPem);
    await verifyCert(await caPem("current"), bravoNew.pem);
    expect(await blocklistFor(networkId)).not.toContain(bravoOld.fingerprint);
    // Nothing left to re-sign: a second call signs nobody.
    expect((await call(rotationResign.POST, "POST", { as: owner, params: { networkId }, body: {} })).json).toMatchObject({ resigned: 0, remaining: 0 });

    // Re-signed is not applied: still refused until bravo reports the bundle with its new certificate.
    expect((await call(rotationRetire.POST, "POST", { as: owner, params: { networkId } })).status).toBe(409);
    await fetchAndApply("bravo");
    // Every host moved, but their lighthouse tunnels re-key only on their next lighthouse update.
    const settling = await call(rotationRetire.POST, "POST", { as: owner, params: { networkId } });
    expect(settling.status).toBe(409);
    expect(settling.json.error.message).toMatch(/lighthouse update\. Retire in (6\d|70) s\.$/);
    expect(await status()).toMatchObject({ canRetire: false, hosts: { leftCount: 0 } });
    expect((await status()).retireInSeconds).toBeGreaterThan(RETIRE_SETTLE_SECONDS - 10);
    await lighthouseIntervalPasses();
    expect(await status()).toMatchObject({ canRetire: true, retireInSeconds: 0 });
    const retired = await call(rotationRetire.POST, "POST", { as: owner, params: { networkId } });
    expect(retired.status, JSON.stringify(retired.json)).toBe(200);
    expect(retired.json.rotation.phase).toBe("none");

    const after = await poll("bravo");
    expect(pemBlocks(after.json.ca)).toBe(1);
    expect(after.json.ca.trim()).toBe((await caPem("current")).trim());
    expect(after.json.renewalDue).toBe(false);
    // The retired CA's certificates are marked, and stay off the blocklist (no host trusts that CA).
    expect((await db.certificate.findUniqueOrThrow({ where: { id: bravoOld.id } })).revokeReason).toBe("CA retired");
    expect(await blocklistFor(networkId)).not.toContain(bravoOld.fingerprint);
    const actions = (await db.auditEvent.findMany({ where: { networkId, action: { startsWith: "ca.rotation" } }, orderBy: { createdAt: "asc" } })).map((e) => e.action);
    expect(actions).toEqual(["ca.rotation.start", "ca.rotation.switch", "ca.rotation.resign", "ca.rotation.retire"]);
  }, 60_000);

  it("keeps revocation instant during a rotation: blocking a host blocklists its old-CA certificate too", async () => {
    const start = await call(rotation.POST, "POST", { as: owner, params: { networkId }, body: {} });
    expect(start.status).toBe(201);
    await fetchAndApply("alpha");
    await fetchAndApply("bravo");
    await call(rotationSwitch.POST, "POST", { as: owner, params: { networkId }, body: {} });
    await call(rotationResign.POST, "POST", { as: owner, params: { networkId }, body: {} });
    const live = await db.certificate.findMany({ where: { nodeId: hosts.bravo!.nodeId, revokedAt: null } });
    expect(live).toHaveLength(2);
    const { blockNode } = await import("@/lib/nodes/node-service");
    await blockNode({ id: owner.id, displayName: "owner", email: null, systemRole: "user", sid: "" }, networkId, hosts.bravo!.nodeId, { requestId: "test", clientIp: null });
    const blocklist = await blocklistFor(networkId);
    for (const c of live) expect(blocklist).toContain(c.fingerprint);
    // A blocked host no longer holds back the retirement.
    await fetchAndApply("alpha");
    await lighthouseIntervalPasses();
    expect((await call(rotationRetire.POST, "POST", { as: owner, params: { networkId } })).status).toBe(200);
  }, 60_000);
});
