/**
 * Issue 12 part 4, later additions: an IPv6 range added to an existing v2 network (every host is
 * re-signed with its IPv6 address and hears of it on its next poll), refused on v1 networks, on
 * overlap and once set; and the addresses shown where IPv4 ones are (network, nodes, leases,
 * search). Real Postgres, real nebula-cert (1.10.3 signs the IPv6 network; the v1 refusals run on
 * every nebula-cert).
 */
import { beforeAll, describe, expect, it } from "vitest";
import * as networks from "@/app/api/v1/networks/route";
import * as networkRoute from "@/app/api/v1/networks/[networkId]/route";
import * as nodes from "@/app/api/v1/networks/[networkId]/nodes/route";
import * as nodeRoute from "@/app/api/v1/networks/[networkId]/nodes/[nodeId]/route";
import * as leases from "@/app/api/v1/networks/[networkId]/leases/route";
import * as links from "@/app/api/v1/networks/[networkId]/links/route";
import * as enrollRoute from "@/app/api/v1/enroll/route";
import * as configRoute from "@/app/api/v1/node/config/route";
import { db } from "@/lib/db/client";
import { call, createTestUser, freshCidr, type TestUser } from "@/lib/testing/api-harness";
import { hostKeyPair, printedNetworks, randomUla } from "@/lib/testing/nebula-tools";
import { nebulaCert } from "@/lib/pki/nebula-cert";
import { topologyOf } from "@/lib/nodes/topology-data";
import { fleetHealthOfNetwork } from "@/lib/nodes/fleet-health";
import { IPV6_NEEDS_V2 } from "./network-schemas";

const v2Capable = await nebulaCert().supportsV2();
const ula = randomUla;

let admin: TestUser;
let address = 0;
const clientIp = () => `198.51.100.${10 + (address++ % 200)}`;

async function poll(credential: string, etag?: string) {
  const res = await configRoute.GET(
    new Request("http://localhost/api/v1/node/config", { headers: { authorization: `Bearer ${credential}`, "x-nc-client-ip": clientIp(), ...(etag ? { "if-none-match": etag } : {}) } }),
    { params: Promise.resolve({}) },
  );
  const text = await res.text();
  return { status: res.status, etag: res.headers.get("etag"), json: text ? JSON.parse(text) : null };
}

/** What a refused change must leave alone: the network row, its revision, and every certificate. */
async function snapshot(networkId: string) {
  const network = await db.network.findUniqueOrThrow({ where: { id: networkId }, select: { cidr6: true, configRevision: true } });
  const certs = await db.certificate.findMany({ where: { networkId }, select: { id: true, revokedAt: true }, orderBy: { id: "asc" } });
  const audits = await db.auditEvent.count({ where: { networkId } });
  return { network, certs, audits };
}

beforeAll(async () => {
  admin = await createTestUser({ name: "ds-later" });
});

describe("network settings in the API", () => {
  it("GET /networks/{id} carries certVersion, nebulaTarget, cidr6 and the firewall actions", async () => {
    const made = await call(networks.POST, "POST", { as: admin, body: { name: "v4-settings", cidr: freshCidr() } });
    const r = await call(networkRoute.GET, "GET", { as: admin, params: { networkId: made.json.network.id } });
    expect(r.status).toBe(200);
    expect(r.json.network).toMatchObject({ id: made.json.network.id, certVersion: 1, nebulaTarget: "1.6", cidr6: null, inboundAction: "drop", outboundAction: "drop", pollSeconds: 60 });
    expect(r.json.role).toBe("owner");
  });
});

describe("adding an IPv6 range later: refusals on every nebula-cert", () => {
  it("refuses on a v1 network, saying why, and changes nothing", async () => {
    const made = await call(networks.POST, "POST", { as: admin, body: { name: "v1-later", cidr: freshCidr() } });
    const networkId = made.json.network.id;
    await call(nodes.POST, "POST", { as: admin, params: { networkId }, body: { name: "h1", publicKeyPem: (await hostKeyPair()).publicKeyPem } });
    const before = await snapshot(networkId);
    const r = await call(networkRoute.PATCH, "PATCH", { as: admin, params: { networkId }, body: { cidr6: ula() } });
    expect(r.status, JSON.stringify(r.json)).toBe(400);
    expect(r.json.error.fields.cidr6).toEqual([IPV6_NEEDS_V2]);
    expect(await snapshot(networkId)).toEqual(before);
  });

  it("refuses a malformed range as a field error", async () => {
    const made = await call(networks.POST, "POST", { as: admin, body: { name: "v1-bad6", cidr: freshCidr() } });
    const r = await call(networkRoute.PATCH, "PATCH", { as: admin, params: { networkId: made.json.network.id }, body: { cidr6: "fe80::/64" } });
    expect(r.status).toBe(400);
    expect(r.json.error.fields.cidr6[0]).toContain("linkLocal");
  });
});

/** Registers a suite only where it can run, so neither nebula-cert run of the suite reports skipped tests. */
function describeIf(condition: boolean, name: string, body: () => void): void {
  if (condition) describe(name, body);
}

describeIf(v2Capable, "adding an IPv6 range later to a v2 network", () => {
  let networkId: string;
  let cidr6: string;
  let otherCidr6: string;
  let hostId: string;
  let hostCredential: string;
  let hostEtag: string;
  let adminNodeId: string;

  beforeAll(async () => {
    otherCidr6 = ula();
    const other = await call(networks.POST, "POST", { as: admin, body: { name: "ds-other", cidr: freshCidr(), cidr6: otherCidr6, certVersion: 2, nebulaTarget: "1.10" } });
    expect(other.status, JSON.stringify(other.json)).toBe(201);
    cidr6 = ula();
    const made = await call(networks.POST, "POST", { as: admin, body: { name: "v2-later", cidr: freshCidr(), certVersion: 2, nebulaTarget: "1.10" } });
    expect(made.status, JSON.stringify(made.json)).toBe(201);
    networkId = made.json.network.id;
    // One host enrolled through a join link (it polls with its credential), one signed by an admin, one pending.
    const link = await call(links.POST, "POST", { as: admin, params: { networkId }, body: {} });
    const keys = await hostKeyPair();
    const enrolled = await call(enrollRoute.POST, "POST", { body: { token: link.json.token, hostname: "web1", publicKeyPem: keys.publicKeyPem }, headers: { "x-nc-client-ip": clientIp() } });
    expect(enrolled.status, JSON.stringify(enrolled.json)).toBe(201);
    hostId = enrolled.json.nodeId;
    hostCredential = enrolled.json.credential;
    const first = await poll(hostCredential);
    expect(first.status).toBe(200);
    hostEtag = first.etag!;
    expect(await printedNetworks(first.json.certificate)).toHaveLength(1);
    const signed = await call(nodes.POST, "POST", { as: admin, params: { networkId }, body: { name: "db1", publicKeyPem: (await hostKeyPair()).publicKeyPem } });
    adminNodeId = signed.json.node.id;
    await call(nodes.POST, "POST", { as: admin, params: { networkId }, body: { name: "later1" } });
  }, 60_000);

  it("shows no IPv6 address before the range is set", async () => {
    const list = await call(nodes.GET, "GET", { as: admin, params: { networkId } });
    expect(list.json.nodes.map((n: { ip6: string | null }) => n.ip6)).toEqual([null, null, null]);
    expect((await call(networkRoute.GET, "GET", { as: admin, params: { networkId } })).json.network).toMatchObject({ certVersion: 2, nebulaTarget: "1.10", cidr6: null });
  });

  it("refuses a range overlapping another of the user's networks, and changes nothing", async () => {
    const before = await snapshot(networkId);
    const inside = otherCidr6.replace("::/64", ":0:1::/80");
    const r = await call(networkRoute.PATCH, "PATCH", { as: admin, params: { networkId }, body: { cidr6: inside } });
    expect(r.status, JSON.stringify(r.json)).toBe(400);
    expect(r.json.error.fields.cidr6[0]).toContain('Overlaps your network "ds-other"');
    expect(await snapshot(networkId)).toEqual(before);
  });

  it("refuses a range too small for the IPv4 range's host bits", async () => {
    const r = await call(networkRoute.PATCH, "PATCH", { as: admin, params: { networkId }, body: { cidr6: cidr6.replace("::/64", "::/120") } });
    expect(r.status).toBe(400);
    expect(r.json.error.fields.cidr6[0]).toMatch(/prefix must be between|host bits/);
  });

  it("sets the range, re-signs every host with its IPv6 address, and the host's next poll carries it", async () => {
    const revision = (await db.network.findUniqueOrThrow({ where: { id: networkId } })).configRevision;
    const r = await call(networkRoute.PATCH, "PATCH", { as: admin, params: { networkId }, body: { cidr6: cidr6.toUpperCase() } });
    expect(r.status, JSON.stringify(r.json)).toBe(200);
    expect(r.json.network.cidr6).toBe(cidr6);
    expect(r.json.ipv6).toEqual({ resigned: 2, remaining: 0 });
    expect((await db.network.findUniqueOrThrow({ where: { id: networkId } })).configRevision).toBeGreaterThan(revision);

    const view = (await call(nodeRoute.GET, "GET", { as: admin, params: { networkId, nodeId: hostId } })).json.node;
    expect(view.ip6).toBe(`${cidr6.replace("::/64", "::")}${Number(view.ip.split(".")[3]).toString(16)}`);
    // The host changes nothing itself: its next poll (with the ETag it had) brings the re-signed certificate.
    const next = await poll(hostCredential, hostEtag);
    expect(next.status).toBe(200);
    expect((await printedNetworks(next.json.certificate)).sort()).toEqual([view.certificate.ip, `${view.ip6}/64`].sort());
    expect(view.certificate.ip6).toBe(`${view.ip6}/64`);
    const admins = await db.certificate.findFirstOrThrow({ where: { nodeId: adminNodeId, revokedAt: null }, orderBy: { createdAt: "desc" } });
    expect(await printedNetworks(admins.pem)).toContain(admins.ip6);
    expect(admins.ip6).toMatch(/\/64$/);
    // The certificate without IPv6 grants nothing more than its successor: it is not blocklisted, so peers
    // applying the new blocklist first do not cut the host off before it applies its own new certificate.
    expect(next.json.config).not.toContain((await db.certificate.findFirstOrThrow({ where: { nodeId: hostId, ip6: null } })).fingerprint);
    const audit = await db.auditEvent.findFirstOrThrow({ where: { networkId, action: "network.update" }, orderBy: { createdAt: "desc" } });
    expect(audit.after).toMatchObject({ cidr6 });
    expect(audit.before).toMatchObject({ cidr6: null });
    expect(await db.auditEvent.count({ where: { networkId, action: "network.ipv6.resign" } })).toBe(1);
  }, 60_000);

  it("shows the IPv6 addresses in the node list, its search, the leases and the topology", async () => {
    const list = (await call(nodes.GET, "GET", { as: admin, params: { networkId } })).json.nodes as Array<{ name: string; ip6: string | null }>;
    expect(list.every((n) => n.ip6?.startsWith(cidr6.replace("::/64", "::")))).toBe(true);
    const web1 = list.find((n) => n.name === "web1")!;
    for (const q of [web1.ip6!, web1.ip6!.toUpperCase(), web1.ip6!.slice(web1.ip6!.lastIndexOf(":") - 1)]) {
      const found = await call(nodes.GET, "GET", { as: admin, params: { networkId }, query: { q } });
      expect(found.status).toBe(200);
      expect(found.json.nodes.map((n: { name: string }) => n.name), q).toContain("web1");
    }
    const exact = await call(nodes.GET, "GET", { as: admin, params: { networkId }, query: { q: web1.ip6! } });
    expect(exact.json.nodes.map((n: { name: string }) => n.name)).toEqual(["web1"]);
    const leaseList = (await call(leases.GET, "GET", { as: admin, params: { networkId } })).json.leases as Array<{ nodeName: string; ip6: string | null }>;
    expect(leaseList.find((l) => l.nodeName === "web1")!.ip6).toBe(web1.ip6);
    const topology = await topologyOf(networkId);
    expect(topology.hosts!.find((h) => h.name === "web1")!.ip6).toBe(web1.ip6);
  });

  it("does not count the superseded IPv4-only certificates as expiring in fleet health", async () => {
    // They stay unrevoked (off the blocklist) and end with their own, earlier lifetime: no host uses them.
    const superseded = await db.certificate.findMany({ where: { networkId, ip6: null, revokedAt: null } });
    expect(superseded.map((c) => c.nodeId).sort()).toEqual([adminNodeId, hostId].sort());
    await db.certificate.updateMany({ where: { id: { in: superseded.map((c) => c.id) } }, data: { notAfter: new Date(Date.now() + 5 * 86_400_000) } });
    expect((await fleetHealthOfNetwork(networkId)).certsExpiringSoon).toBe(0);
  });

  it("refuses to change or remove the range once set, and changes nothing", async () => {
    const before = await snapshot(networkId);
    for (const value of [ula(), null, ""]) {
      const r = await call(networkRoute.PATCH, "PATCH", { as: admin, params: { networkId }, body: { cidr6: value } });
      expect(r.status, JSON.stringify(r.json)).toBe(400);
      expect(r.json.error.fields.cidr6[0]).toContain("cannot be changed or removed");
    }
    expect(await snapshot(networkId)).toEqual(before);
  });

  it("answers the same range again by re-signing only what is left (nothing here)", async () => {
    const r = await call(networkRoute.PATCH, "PATCH", { as: admin, params: { networkId }, body: { cidr6 } });
    expect(r.status, JSON.stringify(r.json)).toBe(200);
    expect(r.json.ipv6).toEqual({ resigned: 0, remaining: 0 });
  });
});
