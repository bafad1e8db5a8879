import { unzipSync, strFromU8 } from "fflate";
import { beforeAll, describe, expect, it } from "vitest";
import * as networks from "@/app/api/v1/networks/route";
import * as groups from "@/app/api/v1/networks/[networkId]/groups/route";
import * as group from "@/app/api/v1/networks/[networkId]/groups/[groupId]/route";
import * as nodes from "@/app/api/v1/networks/[networkId]/nodes/route";
import * as node from "@/app/api/v1/networks/[networkId]/nodes/[nodeId]/route";
import * as signRoute from "@/app/api/v1/networks/[networkId]/nodes/[nodeId]/certificate/route";
import * as bundle from "@/app/api/v1/networks/[networkId]/nodes/[nodeId]/bundle/route";
import * as rules from "@/app/api/v1/networks/[networkId]/rules/route";
import * as reach from "@/app/api/v1/networks/[networkId]/reachability/route";
import * as certificates from "@/app/api/v1/networks/[networkId]/certificates/route";
import * as ca from "@/app/api/v1/networks/[networkId]/ca/route";
import { db } from "@/lib/db/client";
import { call, createTestUser, freshCidr, type TestUser } from "@/lib/testing/api-harness";
import { hostKeyPair, nebulaTestConfig, verifyCert } from "@/lib/testing/nebula-tools";
import { renderConfigFor } from "./node-config";
import { getNode } from "./node-service";

let admin: TestUser;
let networkId: string;
const keys: Record<string, { publicKeyPem: string; privateKeyPem: string }> = {};

async function addGroup(name: string) {
  const r = await call(groups.POST, "POST", { as: admin, params: { networkId }, body: { name } });
  expect(r.status).toBe(201);
  return r.json.group.id as string;
}

async function addNode(body: Record<string, unknown>) {
  return call(nodes.POST, "POST", { as: admin, params: { networkId }, body });
}

beforeAll(async () => {
  admin = await createTestUser();
  const r = await call(networks.POST, "POST", { as: admin, body: { name: "pki-net", cidr: freshCidr().replace(/\/24$/, "/24") } });
  networkId = r.json.network.id;
  for (const g of ["web", "db", "ops"]) await addGroup(g);
  for (const n of ["lh", "web1", "db1"]) keys[n] = await hostKeyPair();
});

describe("nodes, certificates and configs", () => {
  it("answers not found for a node id that is not a uuid (pages pass their URL's id straight in)", async () => {
    await expect(getNode(networkId, "not-a-uuid")).rejects.toMatchObject({ code: "not_found" });
    await expect(getNode(networkId, "00000000-0000-0000-0000-00000000000g")).rejects.toMatchObject({ code: "not_found" });
  });

  it("creates a CA with the network and never exposes its key", async () => {
    const r = await call(ca.GET, "GET", { as: admin, params: { networkId } });
    expect(r.json.cas).toHaveLength(1);
    expect(r.json.cas[0]).toMatchObject({ version: 1, active: true });
    expect(JSON.stringify(r.json)).not.toMatch(/PRIVATE|keyCiphertext|nc1:/);
    const row = await db.ca.findFirstOrThrow({ where: { networkId }, omit: { keyCiphertext: false } });
    expect(row.keyCiphertext).toMatch(/^nc1:[0-9a-f]{16}:/);
  });

  it("refuses a lighthouse without endpoint and port, and unknown groups, creating nothing", async () => {
    const r = await addNode({ name: "lh-bad", isLighthouse: true, groups: ["nope"] });
    expect(r.status).toBe(400);
    expect(Object.keys(r.json.error.fields).sort()).toEqual(["endpoints", "listenPort"]);
    const r2 = await addNode({ name: "ghost", groups: ["nope"] });
    expect(r2.json.error.fields.groups[0]).toMatch(/no group "nope"/);
    expect(await db.node.count({ where: { networkId } })).toBe(0);
    expect(await db.lease.count({ where: { networkId } })).toBe(0);
  });

  it("rejects hostile and look-alike names", async () => {
    for (const name of ["a;rm -rf /", "$(id)", "a\nb", "a\u0000b", "x".repeat(300), "wеb1", "any", "-lead", "a b"]) {
      const r = await addNode({ name });
      expect(r.status, JSON.stringify(name)).toBe(400);
      expect(r.json.error.fields.name).toBeDefined();
    }
    const g = await call(groups.POST, "POST", { as: admin, params: { networkId }, body: { name: "`touch /tmp/x`" } });
    expect(g.status).toBe(400);
  });

  it("signs a host's own key: active node, lease, certificate with every group, config passing nebula -test", async () => {
    const lh = await addNode({ name: "lh", isLighthouse: true, endpoints: ["192.0.2.10:4242"], listenPort: 4242, groups: ["ops"], publicKeyPem: keys.lh!.publicKeyPem });
    expect(lh.status).toBe(201);
    const web = await addNode({ name: "web1", groups: ["web", "ops"], publicKeyPem: keys.web1!.publicKeyPem });
    expect(web.json.node).toMatchObject({ status: "active", groups: ["ops", "web"], ip: expect.stringMatching(/\.2$/) });
    const cert = await db.certificate.findFirstOrThrow({ where: { nodeId: web.json.node.id } });
    expect(cert.groups).toEqual(["ops", "web"]);
    const caRow = await db.ca.findFirstOrThrow({ where: { networkId } });
    await verifyCert(caRow.certPem, cert.pem);

    for (const [name, id] of [["lh", lh.json.node.id], ["web1", web.json.node.id]] as const) {
      const result = await nebulaTestConfig((dir) => renderConfigFor(networkId, id, { dir }), keys[name]!.privateKeyPem);
      expect(result.ok, result.output).toBe(true);
    }
    const config = await renderConfigFor(networkId, web.json.node.id);
    expect(config.object).toMatchObject({ lighthouse: { am_lighthouse: false, hosts: [lh.json.node.ip] }, static_host_map: { [lh.json.node.ip]: ["192.0.2.10:4242"] } });
  });

  it("a pending node gets its certificate later from a pasted public key; a bad key is refused", async () => {
    const r = await addNode({ name: "db1", groups: ["db"] });
    expect(r.json.node.status).toBe("pending");
    const id = r.json.node.id;
    const bad = await call(signRoute.POST, "POST", { as: admin, params: { networkId, nodeId: id }, body: { publicKeyPem: keys.db1!.privateKeyPem } });
    expect(bad.status).toBe(400);
    expect(bad.json.error.fields.publicKeyPem[0]).toMatch(/private key/);
    const ok = await call(signRoute.POST, "POST", { as: admin, params: { networkId, nodeId: id }, body: { publicKeyPem: keys.db1!.publicKeyPem } });
    expect(ok.status).toBe(201);
    expect((await db.node.findUniqueOrThrow({ where: { id } })).status).toBe("active");
  });

  it("re-signs on a change of groups and blocklists the superseded certificate", async () => {
    const web = await db.node.findFirstOrThrow({ where: { networkId, name: "web1" } });
    const old = await db.certificate.findFirstOrThrow({ where: { nodeId: web.id, revokedAt: null } });
    const before = (await db.network.findUniqueOrThrow({ where: { id: networkId } })).configRevision;
    const r = await call(node.PATCH, "PATCH", { as: admin, params: { networkId, nodeId: web.id }, body: { groups: ["web"] } });
    expect(r.status).toBe(200);
    const current = await db.certificate.findFirstOrThrow({ where: { nodeId: web.id, revokedAt: null } });
    expect(current.groups).toEqual(["web"]);
    expect(current.publicKeyPem).toBe(old.publicKeyPem);
    const list = await call(certificates.GET, "GET", { as: admin, params: { networkId } });
    expect(list.json.blocklist).toContain(old.fingerprint);
    expect((await renderConfigFor(networkId, web.id)).object).toMatchObject({ pki: { blocklist: expect.arrayContaining([old.fingerprint]) } });
    expect((await db.network.findUniqueOrThrow({ where: { id: networkId } })).configRevision).toBeGreaterThan(before);
  });

  it("refuses to delete a group in use, naming its users; renaming re-signs", async () => {
    const db1 = await db.node.findFirstOrThrow({ where: { networkId, name: "db1" } });
    const dbGroup = await db.group.findFirstOrThrow({ where: { networkId, name: "db" } });
    await call(rules.POST, "POST", { as: admin, params: { networkId }, body: { direction: "inbound", port: "5432", proto: "tcp", peer: { kind: "group", group: "web" }, appliesTo: { kind: "group", group: "db" }, description: "web to postgres" } });
    const refused = await call(group.DELETE, "DELETE", { as: admin, params: { networkId, groupId: dbGroup.id } });
    expect(refused.status).toBe(409);
    expect(refused.json.error.message).toMatch(/nodes db1/);
    expect(refused.json.error.message).toMatch(/web to postgres/);
    const renamed = await call(group.PATCH, "PATCH", { as: admin, params: { networkId, groupId: dbGroup.id }, body: { name: "database" } });
    expect(renamed.status).toBe(200);
    const cert = await db.certificate.findFirstOrThrow({ where: { nodeId: db1.id, revokedAt: null } });
    expect(cert.groups).toEqual(["database"]);
    const ruleList = await call(rules.GET, "GET", { as: admin, params: { networkId } });
    expect(ruleList.json.rules.at(-1).appliesTo).toEqual({ kind: "group", group: "database" });
  });

  it("answers reachability from the rules", async () => {
    const [web, db1] = await Promise.all(["web1", "db1"].map((name) => db.node.findFirstOrThrow({ where: { networkId, name } })));
    const yes = await call(reach.GET, "GET", { as: admin, params: { networkId }, query: { from: web!.id, to: db1!.id, proto: "tcp", port: "5432" } });
    expect(yes.json.allowed).toBe(true);
    expect(yes.json.inbound.rule.description).toBe("web to postgres");
    const no = await call(reach.GET, "GET", { as: admin, params: { networkId }, query: { from: db1!.id, to: web!.id, proto: "tcp", port: "5432" } });
    expect(no.json.allowed).toBe(false);
    expect(no.json.inbound.reason).toMatch(/No inbound rule on web1/);
  });

  it("makes a one-time bundle whose private key is stored nowhere", async () => {
    const r = await addNode({ name: "laptop", groups: ["web"] });
    const res = await bundle.POST(
      new Request("http://localhost/x", { method: "POST", headers: { cookie: admin.cookie, "x-csrf-token": admin.csrf, "content-type": "application/json" }, body: JSON.stringify({ newKey: true }) }),
      { params: Promise.resolve({ networkId, nodeId: r.json.node.id }) },
    );
    expect(res.status).toBe(200);
    const files = unzipSync(new Uint8Array(await res.arrayBuffer()));
    expect(Object.keys(files).sort()).toEqual(["ca.crt", "config.yml", "host.crt", "host.key"]);
    const key = strFromU8(files["host.key"]!);
    expect(key).toContain("NEBULA X25519 PRIVATE KEY");
    const dump = JSON.stringify(await db.certificate.findMany({ where: { networkId } }));
    expect(dump).not.toContain(key.split("\n")[1]);
    const result = await nebulaTestConfig(async (dir) => ({ ...(await renderConfigFor(networkId, r.json.node.id, { dir })) }), key);
    expect(result.ok, result.output).toBe(true);
  });

  it("rolls back the node and its lease when nebula-cert fails", async () => {
    const saved = process.env.NEBULA_CERT_BIN;
    const before = { nodes: await db.node.count({ where: { networkId } }), leases: await db.lease.count({ where: { networkId } }), certs: await db.certificate.count({ where: { networkId } }) };
    process.env.NEBULA_CERT_BIN = "/nonexistent/nebula-cert";
    try {
      const r = await addNode({ name: "doomed", publicKeyPem: keys.web1!.publicKeyPem });
      expect(r.status).toBe(503);
      expect(r.json.error.message).toMatch(/nebula-cert was not found/);
    } finally {
      process.env.NEBULA_CERT_BIN = saved;
    }
    expect({ nodes: await db.node.count({ where: { networkId } }), leases: await db.lease.count({ where: { networkId } }), certs: await db.certificate.count({ where: { networkId } }) }).toEqual(before);
  });

  it("rolls back network creation when nebula-cert fails", async () => {
    const saved = process.env.NEBULA_CERT_BIN;
    const before = await db.network.count();
    process.env.NEBULA_CERT_BIN = "/nonexistent/nebula-cert";
    try {
      const r = await call(networks.POST, "POST", { as: admin, body: { name: "no-ca", cidr: freshCidr() } });
      expect(r.status).toBe(503);
    } finally {
      process.env.NEBULA_CERT_BIN = saved;
    }
    expect(await db.network.count()).toBe(before);
  });

  it("deleting a node revokes its certificate and frees its address", async () => {
    const laptop = await db.node.findFirstOrThrow({ where: { networkId, name: "laptop" }, include: { lease: true } });
    const r = await call(node.DELETE, "DELETE", { as: admin, params: { networkId, nodeId: laptop.id } });
    expect(r.status).toBe(204);
    expect(await db.lease.findFirst({ where: { networkId, address: laptop.lease!.address } })).toBeNull();
    expect(await db.certificate.count({ where: { name: "laptop", networkId, revokedAt: null } })).toBe(0);
  });
});
