/**
 * Expiry and health at a glance, counted in Postgres: hosts offline, down and behind (the same
 * verdicts as hostStatus(), and the same rows as the nodes list's filters), certificates about to
 * expire or expired (the same rows as the certificates list's "expiring" filter), CAs expiring
 * within a year.
 */
import { beforeAll, describe, expect, it } from "vitest";
import * as networks from "@/app/api/v1/networks/route";
import * as nodes from "@/app/api/v1/networks/[networkId]/nodes/route";
import { db } from "@/lib/db/client";
import { call, createTestUser, freshCidr, type TestUser } from "@/lib/testing/api-harness";
import { hostKeyPair } from "@/lib/testing/nebula-tools";
import { certificateQuerySchema, listCertificatesPage } from "@/lib/pki/certificate-query";
import { fleetHealthOf, fleetHealthOfNetwork, HOST_STATE_FILTERS } from "./fleet-health";
import { hostStatus } from "./host-status";
import { listNodesPage, nodeQuerySchema } from "./node-query";

const DAY = 86_400_000;
let admin: TestUser;
let sick: string;
let healthy: string;
let now: Date;

/** What a host's reports leave on its node row, by the state hostStatus() should give it. */
function reports(rev: number, at: Date): Record<string, Record<string, unknown>> {
  const recent = new Date(at.getTime() - 5_000);
  return {
    "never-seen": { status: "active", lastSeenAt: null },
    "gone-quiet": { status: "active", lastSeenAt: new Date(at.getTime() - 10 * 60_000), renderedEtag: "e", renderedRevision: rev, appliedEtag: "e" },
    crashed: { status: "active", lastSeenAt: recent, nebulaState: "failed", renderedEtag: "e", renderedRevision: rev, appliedEtag: "e" },
    "up-to-date": { status: "active", lastSeenAt: recent, nebulaState: "running", renderedEtag: "e", renderedRevision: rev, appliedEtag: "e" },
    "fetched-only": { status: "active", lastSeenAt: recent, renderedEtag: "e", renderedRevision: rev, fetchedEtag: "e", appliedEtag: null },
    "old-revision": { status: "active", lastSeenAt: recent, renderedEtag: "o", renderedRevision: rev - 1, appliedEtag: "o", fetchedEtag: "o" },
    "never-rendered": { status: "active", lastSeenAt: recent, renderedEtag: null },
    "old-bundle": { status: "active", lastSeenAt: recent, nebulaState: "running", renderedEtag: "n", renderedRevision: rev, appliedEtag: "o", fetchedEtag: null },
    "pending-quiet": { status: "pending", lastSeenAt: new Date(at.getTime() - 10 * 60_000) },
    "blocked-quiet": { status: "blocked", lastSeenAt: new Date(at.getTime() - 10 * 60_000) },
  };
}

beforeAll(async () => {
  admin = await createTestUser();
  sick = (await call(networks.POST, "POST", { as: admin, body: { name: "sick-net", cidr: freshCidr() } })).json.network.id;
  healthy = (await call(networks.POST, "POST", { as: admin, body: { name: "healthy-net", cidr: freshCidr() } })).json.network.id;
  const pub = (await hostKeyPair()).publicKeyPem;
  // Real certificates, signed by the network's CA; their dates are then moved to the edges.
  for (const name of ["cert-soon", "cert-later", "cert-expired", "cert-revoked"]) {
    expect((await call(nodes.POST, "POST", { as: admin, params: { networkId: sick }, body: { name, publicKeyPem: pub } })).status).toBe(201);
  }
  now = new Date();
  const certOf = async (name: string) => (await db.certificate.findFirstOrThrow({ where: { networkId: sick, node: { name } } })).id;
  await db.certificate.update({ where: { id: await certOf("cert-soon") }, data: { notAfter: new Date(now.getTime() + 10 * DAY) } });
  await db.certificate.update({ where: { id: await certOf("cert-expired") }, data: { notAfter: new Date(now.getTime() - DAY) } });
  await db.certificate.update({ where: { id: await certOf("cert-revoked") }, data: { notAfter: new Date(now.getTime() + 5 * DAY), revokedAt: now } });
  await db.ca.updateMany({ where: { networkId: sick }, data: { notAfter: new Date(now.getTime() + 100 * DAY) } });
  // The certificate holders report nothing, so they stay "never seen" and out of the host counts.
  const rev = (await db.network.findUniqueOrThrow({ where: { id: sick } })).configRevision;
  for (const [name, data] of Object.entries(reports(rev, now))) await db.node.create({ data: { networkId: sick, name, ...data } });
}, 120_000);

describe("fleetHealthOf", () => {
  it("counts hosts offline, down and behind exactly as hostStatus() judges them", async () => {
    const health = await fleetHealthOfNetwork(sick, now);
    const network = await db.network.findUniqueOrThrow({ where: { id: sick } });
    const rows = await db.node.findMany({ where: { networkId: sick } });
    const states = rows.map((n) => hostStatus({ ...n, configRevision: network.configRevision, pollSeconds: network.pollSeconds }, now.getTime()).state);
    const tally = (s: string) => states.filter((x) => x === s).length;
    expect({ offline: health.nodesOffline, down: health.nodesDown, behind: health.nodesBehind }).toEqual({ offline: tally("offline"), down: tally("down"), behind: tally("behind") });
    expect({ offline: health.nodesOffline, down: health.nodesDown, behind: health.nodesBehind }).toEqual({ offline: 1, down: 1, behind: 3 });
  });

  it("lists the same hosts on the nodes page's filters", async () => {
    const network = await db.network.findUniqueOrThrow({ where: { id: sick } });
    const rows = await db.node.findMany({ where: { networkId: sick } });
    for (const state of HOST_STATE_FILTERS) {
      const page = await listNodesPage(sick, nodeQuerySchema.parse({ kind: state, pageSize: 200 }), now);
      const expected = rows.filter((n) => hostStatus({ ...n, configRevision: network.configRevision, pollSeconds: network.pollSeconds }, now.getTime()).state === state).map((n) => n.name);
      expect(page.nodes.map((n) => n.name).sort(), state).toEqual(expected.sort());
    }
  });

  it("counts certificates expiring within 30 days and expired ones, not revoked ones, like the certificates filter", async () => {
    const health = await fleetHealthOfNetwork(sick, now);
    expect(health.certsExpiringSoon).toBe(1);
    expect(health.certsExpired).toBe(1);
    const expiring = await listCertificatesPage(sick, certificateQuerySchema.parse({ status: "expiring" }), now);
    expect(expiring.certificates.map((c) => c.nodeName)).toEqual(["cert-soon"]);
    expect((await listCertificatesPage(sick, certificateQuerySchema.parse({ status: "expired" }), now)).total).toBe(health.certsExpired);
  });

  it("counts active CAs expiring within a year", async () => {
    const health = await fleetHealthOfNetwork(sick, now);
    expect(health.casExpiringSoon).toBe(1);
    expect(Date.parse(health.caExpiresAt!)).toBeGreaterThan(now.getTime() + 99 * DAY);
  });

  it("leaves out a retired CA (issue 12: no host trusts it any more)", async () => {
    const fingerprint = `retired-${now.getTime()}-${Math.random()}`;
    await db.ca.create({ data: { networkId: sick, name: "old CA", certPem: "x", keyCiphertext: "x", fingerprint, notBefore: new Date(now.getTime() - 700 * DAY), notAfter: new Date(now.getTime() + 5 * DAY), version: 1, state: "retired", retiredAt: now } });
    expect((await fleetHealthOfNetwork(sick, now)).casExpiringSoon).toBe(1);
    await db.ca.deleteMany({ where: { fingerprint } });
  });

  it("answers many networks in one call, with zeros for a healthy one", async () => {
    const all = await fleetHealthOf([sick, healthy], now);
    expect(all.get(healthy)).toEqual({ nodesOffline: 0, nodesDown: 0, nodesBehind: 0, certsExpiringSoon: 0, certsExpired: 0, casExpiringSoon: 0, caExpiresAt: null });
    expect(all.get(sick)!.nodesBehind).toBe(3);
    expect((await fleetHealthOf([], now)).size).toBe(0);
  });
});
