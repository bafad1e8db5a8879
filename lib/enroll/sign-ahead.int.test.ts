/**
 * Signing ahead (sign-ahead.ts), against the real Postgres and nebula-cert: an idle replica signs a
 * link's next enrollment while its preflight runs, keeps that certificate only when the database
 * admitted exactly its inputs, and never signs ahead for a token that has not just succeeded here.
 */
import { beforeAll, describe, expect, it } from "vitest";
import * as networks from "@/app/api/v1/networks/route";
import * as groups from "@/app/api/v1/networks/[networkId]/groups/route";
import * as links from "@/app/api/v1/networks/[networkId]/links/route";
import * as revokeLinkRoute from "@/app/api/v1/networks/[networkId]/links/[linkId]/revoke/route";
import * as enrollRoute from "@/app/api/v1/enroll/route";
import { db } from "@/lib/db/client";
import { call, createTestUser, enrollmentCounts, freshCidr, type TestUser } from "@/lib/testing/api-harness";
import { hostKeyPair, verifyCert } from "@/lib/testing/nebula-tools";
import { claimLease, releaseClaimedLease } from "@/lib/ipam/lease-allocator";
import { readV1Certificate } from "@/lib/pki/cert-v1";
import { metrics } from "@/lib/metrics/registry";

let admin: TestUser;
let networkId: string;
let cidr: string;
let ipCounter = 0;

async function newLink(body: Record<string, unknown> = {}) {
  const r = await call(links.POST, "POST", { as: admin, params: { networkId }, body });
  expect(r.status, JSON.stringify(r.json)).toBe(201);
  return r.json as { token: string; link: { id: string } };
}

async function enroll(token: string, hostname: string) {
  ipCounter++;
  const { publicKeyPem } = await hostKeyPair();
  return call(enrollRoute.POST, "POST", { body: { token, hostname, publicKeyPem }, headers: { "x-nc-client-ip": `198.51.100.${ipCounter}` } });
}

/** Signatures made ahead so far in this process, by outcome. */
async function aheadCounts() {
  const values = (await metrics().enrollSignedAhead.get()).values;
  const of = (outcome: string) => values.filter((v) => v.labels.outcome === outcome).reduce((sum, v) => sum + v.value, 0);
  return { used: of("used"), discarded: of("discarded"), failed: of("failed"), total: of("used") + of("discarded") + of("failed") };
}

/** The certificate stored for a node, read from its PEM (not from the columns the app wrote beside it). */
async function signedCertificate(nodeId: string) {
  const row = await db.certificate.findFirstOrThrow({ where: { nodeId }, select: { pem: true } });
  const lease = await db.lease.findFirstOrThrow({ where: { nodeId }, select: { address: true } });
  return { pem: row.pem, details: readV1Certificate(row.pem)!, leaseAddress: Number(lease.address) };
}

const prefix = () => cidr.split("/")[1];

beforeAll(async () => {
  admin = await createTestUser();
  cidr = freshCidr();
  networkId = (await call(networks.POST, "POST", { as: admin, body: { name: "ahead-net", cidr } })).json.network.id;
  await call(groups.POST, "POST", { as: admin, params: { networkId }, body: { name: "web" } });
});

describe("signing ahead", () => {
  it("signs a link's next enrollment while its preflight runs, and that certificate names exactly what the database admitted", async () => {
    const { token } = await newLink({ presetGroups: ["web"], maxUses: 5 });
    const first = await enroll(token, "ahead-1");
    expect(first.status).toBe(201);
    const before = await aheadCounts();
    const second = await enroll(token, "ahead-2");
    expect(second.status).toBe(201);
    expect(await aheadCounts()).toMatchObject({ used: before.used + 1, discarded: before.discarded, failed: before.failed });
    const cert = await signedCertificate(second.json.nodeId);
    expect(cert.details.name).toBe("ahead-2");
    expect(cert.details.groups).toEqual(["web"]);
    expect(cert.details.networks).toEqual([`${second.json.ip}/${prefix()}`]);
    // The address after the first host's: the guess was right, and it is the node's lease.
    const firstCert = await signedCertificate(first.json.nodeId);
    expect(cert.leaseAddress).toBe(firstCert.leaseAddress + 1);
    const ca = await db.ca.findFirstOrThrow({ where: { networkId, state: "current" }, select: { certPem: true } });
    await verifyCert(ca.certPem, cert.pem);
  });

  it("throws the guess away when the address moved meanwhile, and signs the address the node got", async () => {
    const { token } = await newLink({ maxUses: 5 });
    expect((await enroll(token, "moved-1")).status).toBe(201);
    // Another replica's enrollment takes the address the guess will name.
    const network = await db.network.findUniqueOrThrow({ where: { id: networkId }, select: { id: true, cidr: true, cidr6: true } });
    const taken = await claimLease(network);
    try {
      const before = await aheadCounts();
      const r = await enroll(token, "moved-2");
      expect(r.status).toBe(201);
      expect(await aheadCounts()).toMatchObject({ used: before.used, discarded: before.discarded + 1 });
      const cert = await signedCertificate(r.json.nodeId);
      expect(cert.details.networks).toEqual([`${r.json.ip}/${prefix()}`]);
      expect(cert.leaseAddress).toBe(taken.address + 1);
    } finally {
      await releaseClaimedLease(networkId, taken.leaseId);
    }
  });

  it("after a refusal signs nothing ahead for that token, and a refused enrollment leaves nothing behind", async () => {
    const { token, link } = await newLink({ maxUses: 5 });
    expect((await enroll(token, "refused-1")).status).toBe(201);
    expect((await call(revokeLinkRoute.POST, "POST", { as: admin, params: { networkId, linkId: link.id } })).status).toBe(204);
    const counts = await enrollmentCounts(networkId);
    const before = await aheadCounts();
    // The replica still remembers the link: one signature is made ahead and thrown away unseen.
    expect((await enroll(token, "refused-2")).status).toBe(404);
    expect(await aheadCounts()).toMatchObject({ discarded: before.discarded + 1, total: before.total + 1 });
    // Forgotten since: refusals cost no signature.
    for (const name of ["refused-3", "refused-4"]) expect((await enroll(token, name)).status).toBe(404);
    expect((await aheadCounts()).total).toBe(before.total + 1);
    expect(await enrollmentCounts(networkId)).toEqual(counts);
  });

  it("signs nothing ahead while another enrollment is in flight on the replica", async () => {
    const { token } = await newLink({ maxUses: 5 });
    expect((await enroll(token, "busy-1")).status).toBe(201);
    const before = await aheadCounts();
    const both = await Promise.all([enroll(token, "busy-2"), enroll(token, "busy-3")]);
    expect(both.map((r) => r.status)).toEqual([201, 201]);
    // The first to start found the replica idle; the second did not, so it signed after its preflight.
    expect((await aheadCounts()).total).toBe(before.total + 1);
    for (const r of both) {
      const cert = await signedCertificate(r.json.nodeId);
      expect(cert.details.networks).toEqual([`${r.json.ip}/${prefix()}`]);
    }
  });
});
