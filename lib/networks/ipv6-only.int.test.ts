/**
 * Issue 12 part 4: IPv6-only networks (no IPv4 range; v2 certificates, Nebula 1.10+). Hosts are
 * numbered by their index in the IPv6 range (lib/ipam/address-space.ts). The integration suite
 * runs with nebula-cert 1.6.1 and 1.10.3 (NEBULA_CERT_BIN): 1.10.3 signs, and the real
 * `nebula -test` reads the configs; with 1.6.1 such a network is refused.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import * as networks from "@/app/api/v1/networks/route";
import * as groups from "@/app/api/v1/networks/[networkId]/groups/route";
import * as nodes from "@/app/api/v1/networks/[networkId]/nodes/route";
import * as nodeRoute from "@/app/api/v1/networks/[networkId]/nodes/[nodeId]/route";
import * as links from "@/app/api/v1/networks/[networkId]/links/route";
import * as leases from "@/app/api/v1/networks/[networkId]/leases/route";
import * as reserved from "@/app/api/v1/networks/[networkId]/reserved-ranges/route";
import * as reach from "@/app/api/v1/networks/[networkId]/reachability/route";
import * as enrollRoute from "@/app/api/v1/enroll/route";
import { db } from "@/lib/db/client";
import { call, createTestUser, type TestUser } from "@/lib/testing/api-harness";
import { hostKeyPair, nebulaTestConfig, printedNetworks, randomUla } from "@/lib/testing/nebula-tools";
import { nebulaCert } from "@/lib/pki/nebula-cert";
import { renderConfigFor } from "@/lib/nodes/node-config";

const v2Capable = await nebulaCert().supportsV2();
const ula = randomUla;

let admin: TestUser;
beforeAll(async () => {
  admin = await createTestUser();
});

describe("IPv6-only networks: refusals on every nebula-cert", () => {
  it("refuses a network with neither range, naming the IPv4 field, and writes nothing", async () => {
    const before = await db.network.count();
    const r = await call(networks.POST, "POST", { as: admin, body: { name: "no-range", cidr: "", certVersion: 2, nebulaTarget: "1.10" } });
    expect(r.status).toBe(400);
    expect(r.json.error.fields.cidr[0]).toMatch(/Enter an IPv4 range.*IPv6-only/);
    expect(await db.network.count()).toBe(before);
  });

  it("refuses an IPv6-only network on v1 certificates, saying why", async () => {
    const r = await call(networks.POST, "POST", { as: admin, body: { name: "v6-v1", cidr6: ula() } });
    expect(r.status).toBe(400);
    expect(r.json.error.fields.cidr6[0]).toMatch(/v2 certificates/);
  });
});

function describeIf(condition: boolean, name: string, body: () => void): void {
  if (condition) describe(name, body);
}

describeIf(!v2Capable, "IPv6-only networks with nebula-cert older than 1.10", () => {
  it("refuses one: v2 certificates cannot be made", async () => {
    const r = await call(networks.POST, "POST", { as: admin, body: { name: "v6-old", cidr6: ula(), certVersion: 2, nebulaTarget: "1.10" } });
    expect(r.status).toBe(400);
    expect(r.json.error.fields.cidr6[0]).toContain("IPv6 addresses need v2 certificates");
  });
});

describeIf(v2Capable, "IPv6-only networks with nebula-cert 1.10+", () => {
  let networkId: string;
  let cidr6: string;
  let prefix: string;
  const ids: Record<string, string> = {};
  const keys: Record<string, { publicKeyPem: string; privateKeyPem: string }> = {};

  beforeAll(async () => {
    cidr6 = ula();
    prefix = cidr6.replace("::/64", "::");
    const r = await call(networks.POST, "POST", { as: admin, body: { name: "v6-only", cidr6, certVersion: 2, nebulaTarget: "1.10" } });
    expect(r.status, JSON.stringify(r.json)).toBe(201);
    expect(r.json.network).toMatchObject({ cidr: null, cidr6, certVersion: 2 });
    networkId = r.json.network.id;
    for (const name of ["web", "db"]) expect((await call(groups.POST, "POST", { as: admin, params: { networkId }, body: { name } })).status).toBe(201);
    const specs = [
      ["lh1", { isLighthouse: true, endpoints: ["198.51.100.10:4242"], listenPort: 4242 }],
      ["web1", { groups: ["web"] }],
      ["db1", { groups: ["db"] }],
    ] as const;
    for (const [name, extra] of specs) {
      keys[name] = await hostKeyPair();
      const n = await call(nodes.POST, "POST", { as: admin, params: { networkId }, body: { name, ...extra, publicKeyPem: keys[name].publicKeyPem } });
      expect(n.status, JSON.stringify(n.json)).toBe(201);
      ids[name] = n.json.node.id;
    }
  });

  it("numbers hosts from the start of the IPv6 range, and shows the IPv6 address as the node's address", async () => {
    const views = await Promise.all(["lh1", "web1", "db1"].map(async (name) => (await call(nodeRoute.GET, "GET", { as: admin, params: { networkId, nodeId: ids[name]! } })).json.node));
    expect(views.map((v) => v.ip)).toEqual([`${prefix}1`, `${prefix}2`, `${prefix}3`]);
    expect(views.map((v) => v.ip6)).toEqual(views.map((v) => v.ip));
    const list = await call(leases.GET, "GET", { as: admin, params: { networkId } });
    expect(list.json.leases.map((l: { ip: string }) => l.ip)).toEqual([`${prefix}1`, `${prefix}2`, `${prefix}3`]);
  });

  it("signs the IPv6 address alone into each certificate (printed by the real nebula-cert)", async () => {
    for (const name of ["lh1", "web1", "db1"]) {
      const cert = await db.certificate.findFirstOrThrow({ where: { nodeId: ids[name], revokedAt: null } });
      expect(cert.pem).toContain("NEBULA CERTIFICATE V2");
      expect(cert.ip).toMatch(new RegExp(`^${prefix}[0-9a-f]+/64$`));
      expect(cert.ip6).toBe(cert.ip);
      expect(await printedNetworks(cert.pem)).toEqual([cert.ip]);
    }
  });

  it("renders configs that name the lighthouse by its IPv6 address, and that the real nebula -test accepts", async () => {
    const web = await renderConfigFor(networkId, ids.web1!);
    const config = parseYaml(web.yaml) as { static_host_map: Record<string, string[]>; lighthouse: { hosts: string[] } };
    expect(config.static_host_map).toEqual({ [`${prefix}1`]: ["198.51.100.10:4242"] });
    expect(config.lighthouse.hosts).toEqual([`${prefix}1`]);
    expect(web.certNetworks).toEqual([`${prefix}2/64`]);
    for (const name of ["lh1", "web1"]) {
      const tested = await nebulaTestConfig(async (dir) => {
        const c = await renderConfigFor(networkId, ids[name]!, { dir });
        return { yaml: c.yaml, caPem: c.caPem, certPem: c.certPem };
      }, keys[name]!.privateKeyPem);
      expect(tested.ok, tested.output).toBe(true);
    }
  });

  it("takes a static IPv6 address inside the range, and refuses one outside it or an IPv4 one, changing nothing", async () => {
    const before = await db.lease.count({ where: { networkId } });
    const outside = await call(nodes.POST, "POST", { as: admin, params: { networkId }, body: { name: "out", ip: "fd00:1::5" } });
    expect(outside.status).toBe(400);
    expect(outside.json.error.fields.ip[0]).toContain(`is outside ${cidr6}`);
    const v4 = await call(nodes.POST, "POST", { as: admin, params: { networkId }, body: { name: "v4", ip: "10.0.0.5" } });
    expect(v4.status).toBe(400);
    expect(v4.json.error.fields.ip[0]).toBe("Enter an IPv6 address");
    const first = await call(nodes.POST, "POST", { as: admin, params: { networkId }, body: { name: "anycast", ip: `${prefix}0` } });
    expect(first.status).toBe(400);
    expect(await db.lease.count({ where: { networkId } })).toBe(before);
    const fixed = await call(nodes.POST, "POST", { as: admin, params: { networkId }, body: { name: "fixed", ip: `${prefix}abc`, publicKeyPem: (await hostKeyPair()).publicKeyPem } });
    expect(fixed.status, JSON.stringify(fixed.json)).toBe(201);
    expect(fixed.json.node.ip).toBe(`${prefix}abc`);
    const cert = await db.certificate.findFirstOrThrow({ where: { nodeId: fixed.json.node.id, revokedAt: null } });
    expect(await printedNetworks(cert.pem)).toEqual([`${prefix}abc/64`]);
  });

  it("enrolls a host through a join link (with a fixed IPv6 address) and gives it the IPv6 address alone", async () => {
    const link = await call(links.POST, "POST", { as: admin, params: { networkId }, body: { presetGroups: ["web"], fixedIp: `${prefix}77` } });
    expect(link.status, JSON.stringify(link.json)).toBe(201);
    const hostKeys = await hostKeyPair();
    const r = await call(enrollRoute.POST, "POST", { body: { token: link.json.token, hostname: "web2", publicKeyPem: hostKeys.publicKeyPem }, headers: { "x-nc-client-ip": "203.0.113.78" } });
    expect(r.status, JSON.stringify(r.json)).toBeLessThan(300);
    const node = await db.node.findFirstOrThrow({ where: { networkId, name: "web2" } });
    const cert = await db.certificate.findFirstOrThrow({ where: { nodeId: node.id, revokedAt: null } });
    expect(await printedNetworks(cert.pem)).toEqual([`${prefix}77/64`]);
    const tested = await nebulaTestConfig(async (dir) => {
      const c = await renderConfigFor(networkId, node.id, { dir });
      return { yaml: c.yaml, caPem: c.caPem, certPem: c.certPem };
    }, hostKeys.privateKeyPem);
    expect(tested.ok, tested.output).toBe(true);
  });

  it("answers reachability over IPv6 only, and refuses what needs an IPv4 range with a reason", async () => {
    const check = (family?: string) => call(reach.GET, "GET", { as: admin, params: { networkId }, query: { from: ids.web1!, to: ids.db1!, proto: "icmp", ...(family ? { family } : {}) } });
    expect((await check()).json.allowed).toBe(true);
    expect((await check("ipv6")).json.allowed).toBe(true);
    expect((await check("ipv4")).json).toMatchObject({ allowed: false });

    const route = await call(nodeRoute.PATCH, "PATCH", { as: admin, params: { networkId, nodeId: ids.web1! }, body: { unsafeNetworks: ["192.168.50.0/24"] } });
    expect(route.status).toBe(400);
    expect(route.json.error.fields.unsafeNetworks[0]).toContain("IPv6-only");
    const dns = await call(nodeRoute.PATCH, "PATCH", { as: admin, params: { networkId, nodeId: ids.lh1! }, body: { serveDns: true } });
    expect(dns.status).toBe(400);
    expect(dns.json.error.fields.serveDns[0]).toContain("IPv6-only");
    const range = await call(reserved.POST, "POST", { as: admin, params: { networkId }, body: { start: "10.0.0.1", end: "10.0.0.5" } });
    expect(range.status).toBe(400);
    expect(range.json.error.fields.start[0]).toContain("IPv6-only");
  });
});
