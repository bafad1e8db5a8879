/**
 * Lighthouse DNS (issue 12 part 3) through the API: who may serve it, what the fields accept, that
 * a refusal changes nothing, and that a change reaches every host's config with a new revision.
 */
import { beforeAll, describe, expect, it } from "vitest";
import * as networks from "@/app/api/v1/networks/route";
import * as nodes from "@/app/api/v1/networks/[networkId]/nodes/route";
import * as node from "@/app/api/v1/networks/[networkId]/nodes/[nodeId]/route";
import { restartKeyOf } from "@/lib/agent/reload-decision";
import { db } from "@/lib/db/client";
import { call, createTestUser, freshCidr, type TestUser } from "@/lib/testing/api-harness";
import { hostKeyPair, nebulaTestConfig } from "@/lib/testing/nebula-tools";
import * as rules from "@/app/api/v1/networks/[networkId]/rules/route";
import { renderConfigFor } from "./node-config";
import { dnsResolversForNode } from "./node-dns";

let admin: TestUser;
let networkId: string;
let lh: { id: string; ip: string };
let web: { id: string; ip: string };
let lhKey: { publicKeyPem: string; privateKeyPem: string };

const revision = async () => (await db.network.findUniqueOrThrow({ where: { id: networkId } })).configRevision;
const patch = (nodeId: string, body: Record<string, unknown>) => call(node.PATCH, "PATCH", { as: admin, params: { networkId, nodeId }, body });
const dnsColumns = (id: string) => db.node.findUniqueOrThrow({ where: { id }, select: { isLighthouse: true, serveDns: true, dnsHost: true, dnsPort: true, updatedAt: true } });

beforeAll(async () => {
  admin = await createTestUser();
  const r = await call(networks.POST, "POST", { as: admin, body: { name: "dns-net", cidr: freshCidr() } });
  networkId = r.json.network.id;
  lhKey = await hostKeyPair();
  const a = await call(nodes.POST, "POST", { as: admin, params: { networkId }, body: { name: "lh1", isLighthouse: true, endpoints: ["192.0.2.10:4242"], listenPort: 4242, publicKeyPem: lhKey.publicKeyPem } });
  expect(a.status).toBe(201);
  lh = { id: a.json.node.id, ip: a.json.node.ip };
  const b = await call(nodes.POST, "POST", { as: admin, params: { networkId }, body: { name: "web1", publicKeyPem: (await hostKeyPair()).publicKeyPem } });
  expect(b.status).toBe(201);
  web = { id: b.json.node.id, ip: b.json.node.ip };
});

describe("lighthouse DNS: validation", () => {
  it("shows every node's DNS setting, off by default, and its DNS name (the certificate name)", async () => {
    const r = await call(node.GET, "GET", { as: admin, params: { networkId, nodeId: lh.id } });
    expect(r.json.node).toMatchObject({ serveDns: false, dnsHost: null, dnsPort: 53, dnsName: "lh1" });
  });

  it("refuses DNS on a node that is not a lighthouse, on create and on update, changing nothing", async () => {
    const created = await call(nodes.POST, "POST", { as: admin, params: { networkId }, body: { name: "plain", serveDns: true } });
    expect(created.status).toBe(400);
    expect(created.json.error.fields.serveDns[0]).toMatch(/only a lighthouse/i);
    expect(await db.node.count({ where: { networkId, name: "plain" } })).toBe(0);
    const leases = await db.lease.count({ where: { networkId } });
    const underlay = await call(nodes.POST, "POST", { as: admin, params: { networkId }, body: { name: "lh-open", isLighthouse: true, endpoints: ["192.0.2.11:4242"], listenPort: 4242, serveDns: true, dnsHost: "192.0.2.11" } });
    expect(underlay.status).toBe(400);
    expect(underlay.json.error.fields.dnsHost[0]).toMatch(/overlay address/);
    expect(await db.node.count({ where: { networkId, name: "lh-open" } })).toBe(0);
    expect(await db.lease.count({ where: { networkId } })).toBe(leases);

    const before = [await revision(), await dnsColumns(web.id)] as const;
    const updated = await patch(web.id, { serveDns: true });
    expect(updated.status).toBe(400);
    expect(updated.json.error.fields.serveDns[0]).toMatch(/only a lighthouse/i);
    expect([await revision(), await dnsColumns(web.id)]).toEqual(before);
  });

  it.each([
    ["not an address", "lh1.example.com", /IPv4 address/],
    ["the unspecified address, which binds the underlay too", "0.0.0.0", /every interface/],
    ["an IPv6 address", "fd00::53", /IPv4/],
    ["an underlay address", "192.0.2.10", /overlay address|loopback/],
    ["another host's overlay address", "WEB", /overlay address|loopback/],
  ])("refuses a DNS host that is %s, changing nothing", async (_, host, message) => {
    const before = [await revision(), await dnsColumns(lh.id)] as const;
    const r = await patch(lh.id, { serveDns: true, dnsHost: host === "WEB" ? web.ip : host });
    expect(r.status).toBe(400);
    expect(r.json.error.fields.dnsHost[0]).toMatch(message);
    expect([await revision(), await dnsColumns(lh.id)]).toEqual(before);
  });

  it.each([0, 65536, 1.5, "53"])("refuses DNS port %s, changing nothing", async (port) => {
    const before = [await revision(), await dnsColumns(lh.id)] as const;
    const r = await patch(lh.id, { serveDns: true, dnsPort: port });
    expect(r.status).toBe(400);
    expect(r.json.error.fields.dnsPort).toBeDefined();
    expect([await revision(), await dnsColumns(lh.id)]).toEqual(before);
  });
});

describe("lighthouse DNS: configs", () => {
  it("serves DNS on the lighthouse's overlay address by default, bumps the revision and tells every host", async () => {
    const before = await revision();
    const lhBefore = await renderConfigFor(networkId, lh.id);
    const r = await patch(lh.id, { serveDns: true });
    expect(r.status).toBe(200);
    expect(r.json.node).toMatchObject({ serveDns: true, dnsHost: null, dnsPort: 53 });
    expect(await revision()).toBeGreaterThan(before);

    const lhConfig = await renderConfigFor(networkId, lh.id);
    expect(lhConfig.object).toMatchObject({ lighthouse: { am_lighthouse: true, serve_dns: true, dns: { host: lh.ip, port: 53 } } });
    // nebula reads serve_dns only at start: the agent must restart, not SIGHUP.
    expect(restartKeyOf(lhConfig.object, lhConfig.certNetworks)).not.toBe(restartKeyOf(lhBefore.object, lhBefore.certNetworks));
    const tested = await nebulaTestConfig((dir) => renderConfigFor(networkId, lh.id, { dir }), lhKey.privateKeyPem);
    expect(tested.ok, tested.output).toBe(true);

    const hostConfig = await renderConfigFor(networkId, web.id);
    expect(hostConfig.dns).toEqual([{ lighthouse: "lh1", address: lh.ip, port: 53 }]);
    expect(hostConfig.yaml.split("\n\n")[0]).toContain(`${lh.ip}:53 (lh1)`);
    expect(hostConfig.object).not.toHaveProperty("lighthouse.serve_dns");
  });

  it("tells a host's page whether the firewall lets it query each resolver", async () => {
    const [refused] = await dnsResolversForNode(networkId, { name: "web1", ip: web.ip, groups: [] });
    expect(refused).toMatchObject({ lighthouse: "lh1", address: lh.ip, port: 53, firewall: { allowed: false } });
    expect(refused!.firewall!.summary).toMatch(/no inbound rule on lh1 allows udp\/53 from web1/i);
    for (const direction of ["outbound", "inbound"]) {
      const r = await call(rules.POST, "POST", { as: admin, params: { networkId }, body: { direction, port: "53", proto: "udp", peer: { kind: "any" }, description: `dns ${direction}` } });
      expect(r.status).toBe(201);
    }
    const [allowed] = await dnsResolversForNode(networkId, { name: "web1", ip: web.ip, groups: [] });
    expect(allowed!.firewall).toMatchObject({ allowed: true });
  });

  it("moves DNS to a loopback address and another port: only the lighthouse itself is told", async () => {
    const r = await patch(lh.id, { dnsHost: "127.0.0.1", dnsPort: 5353 });
    expect(r.status).toBe(200);
    expect((await renderConfigFor(networkId, lh.id)).object).toMatchObject({ lighthouse: { dns: { host: "127.0.0.1", port: 5353 } } });
    expect((await renderConfigFor(networkId, web.id)).dns).toEqual([]);
    expect((await renderConfigFor(networkId, lh.id)).dns).toEqual([{ lighthouse: "lh1", address: "127.0.0.1", port: 5353 }]);
    const back = await patch(lh.id, { dnsHost: null, dnsPort: 53 });
    expect(back.status).toBe(200);
  });

  it("refuses to demote a lighthouse that serves DNS until DNS is off, then takes both at once", async () => {
    const before = [await revision(), await dnsColumns(lh.id)] as const;
    const refused = await patch(lh.id, { isLighthouse: false, endpoints: [], listenPort: null });
    expect(refused.status).toBe(400);
    expect(refused.json.error.fields.serveDns[0]).toMatch(/only a lighthouse/i);
    expect([await revision(), await dnsColumns(lh.id)]).toEqual(before);
    const both = await patch(lh.id, { isLighthouse: false, serveDns: false });
    expect(both.status).toBe(200);
    expect((await renderConfigFor(networkId, web.id)).dns).toEqual([]);
  });
});
