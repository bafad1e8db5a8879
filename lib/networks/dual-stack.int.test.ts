/**
 * Issue 12 part 4: dual-stack networks (v2 certificates, IPv6 beside IPv4). The integration suite
 * runs with nebula-cert 1.6.1 and 1.10.3 (NEBULA_CERT_BIN): 1.10.3 signs both networks into each
 * certificate; with 1.6.1 a network asking for v2/IPv6 is refused with a clear field error.
 */
import { beforeAll, describe, expect, it } from "vitest";
import * as networks from "@/app/api/v1/networks/route";
import * as groups from "@/app/api/v1/networks/[networkId]/groups/route";
import * as nodes from "@/app/api/v1/networks/[networkId]/nodes/route";
import * as nodeRoute from "@/app/api/v1/networks/[networkId]/nodes/[nodeId]/route";
import * as rules from "@/app/api/v1/networks/[networkId]/rules/route";
import * as reach from "@/app/api/v1/networks/[networkId]/reachability/route";
import * as links from "@/app/api/v1/networks/[networkId]/links/route";
import * as assertions from "@/app/api/v1/networks/[networkId]/policy/assertions/route";
import * as enrollRoute from "@/app/api/v1/enroll/route";
import { db } from "@/lib/db/client";
import { call, createTestUser, freshCidr, type TestUser } from "@/lib/testing/api-harness";
import { hostKeyPair, nebulaTestConfig, printedNetworks, randomUla } from "@/lib/testing/nebula-tools";
import { nebulaCert } from "@/lib/pki/nebula-cert";
import { renderConfigFor } from "@/lib/nodes/node-config";

const v2Capable = await nebulaCert().supportsV2();
const ula = randomUla;

let admin: TestUser;
beforeAll(async () => {
  admin = await createTestUser();
});

describe("dual-stack networks: refusals on every nebula-cert", () => {
  it("refuses an IPv6 range on a certVersion 1 network, as a field error saying why", async () => {
    const r = await call(networks.POST, "POST", { as: admin, body: { name: "v1-ipv6", cidr: freshCidr(), cidr6: ula() } });
    expect(r.status).toBe(400);
    expect(r.json.error.fields.cidr6[0]).toMatch(/v2 certificates.*one IPv4 address.*1\.6 cannot read/);
  });

  it("refuses an IPv6 rule on an IPv4-only network (no host could match it)", async () => {
    const net = await call(networks.POST, "POST", { as: admin, body: { name: "v4-only", cidr: freshCidr() } });
    const r = await call(rules.POST, "POST", {
      as: admin,
      params: { networkId: net.json.network.id },
      body: { direction: "inbound", proto: "tcp", port: "8080", peer: { kind: "cidr", cidr: "fd42:abcd:1234::/64" }, appliesTo: { kind: "all" } },
    });
    expect(r.status).toBe(400);
    expect(r.json.error.fields["peer.cidr"][0]).toContain("no IPv6 range");
  });
});

/** Registers a suite only where it can run, so neither nebula-cert run of the suite reports skipped tests. */
function describeIf(condition: boolean, name: string, body: () => void): void {
  if (condition) describe(name, body);
}

describeIf(!v2Capable, "dual-stack networks with nebula-cert older than 1.10", () => {
  it("refuses a v2 network with an IPv6 range, naming both fields, and writes nothing", async () => {
    const before = await db.network.count();
    const r = await call(networks.POST, "POST", { as: admin, body: { name: "ds-old", cidr: freshCidr(), cidr6: ula(), certVersion: 2, nebulaTarget: "1.10" } });
    expect(r.status).toBe(400);
    expect(r.json.error.fields.certVersion[0]).toContain("older than 1.10");
    expect(r.json.error.fields.cidr6[0]).toContain("IPv6 addresses need v2 certificates");
    expect(await db.network.count()).toBe(before);
  });
});

describeIf(v2Capable, "dual-stack networks with nebula-cert 1.10+", () => {
  let networkId: string;
  let cidr6: string;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    cidr6 = ula();
    const r = await call(networks.POST, "POST", { as: admin, body: { name: "dual", cidr: freshCidr(), cidr6: cidr6.toUpperCase(), certVersion: 2, nebulaTarget: "1.10" } });
    expect(r.status, JSON.stringify(r.json)).toBe(201);
    expect(r.json.network).toMatchObject({ cidr6, certVersion: 2 });
    networkId = r.json.network.id;
    for (const name of ["web", "db"]) expect((await call(groups.POST, "POST", { as: admin, params: { networkId }, body: { name } })).status).toBe(201);
    for (const [name, group] of [["web1", "web"], ["db1", "db"]] as const) {
      const n = await call(nodes.POST, "POST", { as: admin, params: { networkId }, body: { name, groups: [group], publicKeyPem: (await hostKeyPair()).publicKeyPem } });
      expect(n.status, JSON.stringify(n.json)).toBe(201);
      ids[name] = n.json.node.id;
    }
  });

  it("refuses an IPv6 range overlapping one of the user's networks", async () => {
    const inside = cidr6.replace("::/64", ":0:5::/96").replace(/^([^:]+:[^:]+:[^:]+):0:5::/, "$1:0:0:5::");
    const r = await call(networks.POST, "POST", { as: admin, body: { name: "dual-2", cidr: freshCidr(), cidr6: inside, certVersion: 2, nebulaTarget: "1.10" } });
    expect(r.status, JSON.stringify(r.json)).toBe(400);
    expect(r.json.error.fields.cidr6[0]).toContain('Overlaps your network "dual"');
  });

  it("gives two nodes distinct IPv6 addresses derived from their IPv4 leases, shown in the node view", async () => {
    const views = await Promise.all(["web1", "db1"].map(async (name) => (await call(nodeRoute.GET, "GET", { as: admin, params: { networkId, nodeId: ids[name]! } })).json.node));
    const prefix = cidr6.replace("::/64", "::");
    for (const v of views) {
      const hostIndex = Number(v.ip.split(".")[3]);
      expect(v.ip6).toBe(`${prefix}${hostIndex.toString(16)}`);
    }
    expect(views[0].ip6).not.toBe(views[1].ip6);
  });

  it("signs both networks into each certificate (printed by the real nebula-cert) and records them", async () => {
    for (const name of ["web1", "db1"]) {
      const view = (await call(nodeRoute.GET, "GET", { as: admin, params: { networkId, nodeId: ids[name]! } })).json.node;
      const cert = await db.certificate.findFirstOrThrow({ where: { nodeId: ids[name], revokedAt: null } });
      expect(cert.pem).toContain("NEBULA CERTIFICATE V2");
      expect(cert.ip6).toBe(`${view.ip6}/64`);
      expect((await printedNetworks(cert.pem)).sort()).toEqual([cert.ip, cert.ip6].sort());
      // A change of these networks needs a restart: the restart key covers them.
      const rendered = await renderConfigFor(networkId, ids[name]!);
      expect(rendered.certNetworks).toEqual([cert.ip, cert.ip6]);
    }
  });

  it("re-signs with both networks when a node changes (the stored path)", async () => {
    const r = await call(nodeRoute.PATCH, "PATCH", { as: admin, params: { networkId, nodeId: ids.web1! }, body: { groups: ["web", "db"] } });
    expect(r.status, JSON.stringify(r.json)).toBe(200);
    const cert = await db.certificate.findFirstOrThrow({ where: { nodeId: ids.web1, revokedAt: null } });
    expect(cert.groups).toEqual(["db", "web"]);
    expect(await printedNetworks(cert.pem)).toContain(cert.ip6);
    await call(nodeRoute.PATCH, "PATCH", { as: admin, params: { networkId, nodeId: ids.web1! }, body: { groups: ["web"] } });
  });

  it("enrolls a host through a join link with both networks in its certificate", async () => {
    const link = await call(links.POST, "POST", { as: admin, params: { networkId }, body: { presetGroups: ["web"] } });
    expect(link.status, JSON.stringify(link.json)).toBe(201);
    const keys = await hostKeyPair();
    const r = await call(enrollRoute.POST, "POST", { body: { token: link.json.token, hostname: "web2", publicKeyPem: keys.publicKeyPem }, headers: { "x-nc-client-ip": "203.0.113.77" } });
    expect(r.status, JSON.stringify(r.json)).toBeLessThan(300);
    const node = await db.node.findFirstOrThrow({ where: { networkId, name: "web2" } });
    const cert = await db.certificate.findFirstOrThrow({ where: { nodeId: node.id, revokedAt: null } });
    expect(cert.ip6).toMatch(new RegExp(`^${cidr6.replace("::/64", "::")}[0-9a-f]+/64$`));
    expect((await printedNetworks(cert.pem)).sort()).toEqual([cert.ip, cert.ip6].sort());
    // The config this host gets passes the real nebula -test with its dual-stack certificate.
    const tested = await nebulaTestConfig(async (dir) => {
      const c = await renderConfigFor(networkId, node.id, { dir });
      return { yaml: c.yaml, caPem: c.caPem, certPem: c.certPem };
    }, keys.privateKeyPem);
    expect(tested.ok, tested.output).toBe(true);
  });

  it("answers reachability with an IPv6 cidr rule: allowed over IPv6 from inside the range, not over IPv4", async () => {
    const rule = await call(rules.POST, "POST", {
      as: admin,
      params: { networkId },
      body: { direction: "inbound", proto: "tcp", port: "8080", peer: { kind: "cidr", cidr: cidr6 }, appliesTo: { kind: "group", group: "db" }, description: "8080 over IPv6" },
    });
    expect(rule.status, JSON.stringify(rule.json)).toBe(201);
    const check = (family?: string) =>
      call(reach.GET, "GET", { as: admin, params: { networkId }, query: { from: ids.web1!, to: ids.db1!, proto: "tcp", port: "8080", ...(family ? { family } : {}) } });
    const any = await check();
    expect(any.json).toMatchObject({ allowed: true, inbound: { allowed: true, ruleId: rule.json.rule.id } });
    expect(any.json.from.ips).toHaveLength(2);
    expect((await check("ipv6")).json.allowed).toBe(true);
    expect((await check("ipv4")).json.allowed).toBe(false);
  });

  it("judges policy assertions between dual-stack hosts by their IPv6 addresses too", async () => {
    const body = { from: { kind: "host", host: "web1" }, to: { kind: "host", host: "db1" }, proto: "tcp", port: "8080", expect: "allowed" };
    const r = await call(assertions.POST, "POST", { as: admin, params: { networkId }, body });
    expect(r.status, JSON.stringify(r.json)).toBe(201);
    expect(r.json.verdict.passed).toBe(true);
  });
});
