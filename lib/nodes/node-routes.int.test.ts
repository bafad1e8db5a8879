/**
 * Subnet routes end to end through the API: a router's certificate carries its subnets (read back
 * by the real nebula-cert), every other host's config routes them through it, clashes are refused
 * with a field error and change nothing, and rules can be limited to a routed subnet.
 */
import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { beforeAll, describe, expect, it } from "vitest";
import * as networks from "@/app/api/v1/networks/route";
import * as groups from "@/app/api/v1/networks/[networkId]/groups/route";
import * as nodes from "@/app/api/v1/networks/[networkId]/nodes/route";
import * as node from "@/app/api/v1/networks/[networkId]/nodes/[nodeId]/route";
import * as rules from "@/app/api/v1/networks/[networkId]/rules/route";
import * as reach from "@/app/api/v1/networks/[networkId]/reachability/route";
import { db } from "@/lib/db/client";
import { call, createTestUser, freshCidr, type TestUser } from "@/lib/testing/api-harness";
import { binaries, hostKeyPair, nebulaTestConfig } from "@/lib/testing/nebula-tools";
import { renderConfigFor } from "./node-config";

let admin: TestUser;
let networkId: string;
let cidr: string;
const keys: Record<string, { publicKeyPem: string; privateKeyPem: string }> = {};
const ids: Record<string, string> = {};

/** The subnets a certificate carries, as the real nebula-cert prints them (1.6: subnets, 1.10: unsafeNetworks). */
async function printedSubnets(pem: string): Promise<string[]> {
  const dir = await mkdtemp(path.join(tmpdir(), "nc-routes-"));
  try {
    await writeFile(path.join(dir, "c.crt"), pem);
    const { stdout } = await promisify(execFile)(binaries().nebulaCert, ["print", "-json", "-path", path.join(dir, "c.crt")], { timeout: 10_000 });
    const text = stdout.trim();
    const printed = text.startsWith("[") ? JSON.parse(text)[0] : JSON.parse(text.split("\n")[0]!);
    return printed.details.unsafeNetworks ?? printed.details.subnets ?? [];
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const addNode = (body: Record<string, unknown>) => call(nodes.POST, "POST", { as: admin, params: { networkId }, body });
const liveCert = (nodeId: string) => db.certificate.findFirstOrThrow({ where: { nodeId, revokedAt: null } });
const routesOf = async (nodeId: string) => ((await renderConfigFor(networkId, nodeId)).object.tun as { unsafe_routes: unknown[] }).unsafe_routes;

beforeAll(async () => {
  admin = await createTestUser();
  cidr = freshCidr();
  const r = await call(networks.POST, "POST", { as: admin, body: { name: "routes-net", cidr } });
  networkId = r.json.network.id;
  for (const g of ["web", "gw"]) await call(groups.POST, "POST", { as: admin, params: { networkId }, body: { name: g } });
  for (const n of ["gw1", "web1"]) keys[n] = await hostKeyPair();
});

describe("subnet routes", () => {
  it("signs a router's subnets into its certificate and routes them through it on every other host", async () => {
    const gw = await addNode({ name: "gw1", groups: ["gw"], unsafeNetworks: ["192.168.50.0/24"], publicKeyPem: keys.gw1!.publicKeyPem });
    expect(gw.status, JSON.stringify(gw.json)).toBe(201);
    expect(gw.json.node.unsafeNetworks).toEqual(["192.168.50.0/24"]);
    ids.gw1 = gw.json.node.id;
    const cert = await liveCert(ids.gw1!);
    expect(cert.unsafeNetworks).toEqual(["192.168.50.0/24"]);
    expect(await printedSubnets(cert.pem)).toEqual(["192.168.50.0/24"]);

    const web = await addNode({ name: "web1", groups: ["web"], publicKeyPem: keys.web1!.publicKeyPem });
    ids.web1 = web.json.node.id;
    expect(await routesOf(ids.web1!)).toEqual([{ route: "192.168.50.0/24", via: gw.json.node.ip }]);
    expect(await routesOf(ids.gw1!)).toEqual([]);
    for (const name of ["web1", "gw1"]) {
      const tested = await nebulaTestConfig((dir) => renderConfigFor(networkId, ids[name]!, { dir }), keys[name]!.privateKeyPem);
      expect(tested.ok, tested.output).toBe(true);
    }
  });

  it("refuses a subnet that overlaps another router's or the overlay, naming it, and creates nothing", async () => {
    const before = { nodes: await db.node.count({ where: { networkId } }), leases: await db.lease.count({ where: { networkId } }) };
    const overlapping = await addNode({ name: "gw2", unsafeNetworks: ["192.168.0.0/16"] });
    expect(overlapping.status).toBe(400);
    expect(overlapping.json.error.fields.unsafeNetworks).toEqual(["192.168.0.0/16 overlaps 192.168.50.0/24, which gw1 routes"]);
    const overlay = await addNode({ name: "gw2", unsafeNetworks: [cidr] });
    expect(overlay.status).toBe(400);
    expect(overlay.json.error.fields.unsafeNetworks[0]).toMatch(/overlaps the overlay network/);
    for (const bad of [["0.0.0.0/0"], ["192.168.70.1/24"], ["10.1.0.0/16", "10.1.2.0/24"], ["not a subnet"]]) {
      const r = await addNode({ name: "gw2", unsafeNetworks: bad });
      expect(r.status, JSON.stringify(bad)).toBe(400);
      expect(Object.keys(r.json.error.fields).some((f) => f.startsWith("unsafeNetworks")), JSON.stringify(r.json.error.fields)).toBe(true);
    }
    expect({ nodes: await db.node.count({ where: { networkId } }), leases: await db.lease.count({ where: { networkId } }) }).toEqual(before);
  });

  it("re-signs the router when its subnets change, and every host follows the new certificate", async () => {
    const old = await liveCert(ids.gw1!);
    const revision = (await db.network.findUniqueOrThrow({ where: { id: networkId } })).configRevision;
    const r = await call(node.PATCH, "PATCH", { as: admin, params: { networkId, nodeId: ids.gw1! }, body: { unsafeNetworks: ["192.168.50.0/24", "192.168.51.0/24"] } });
    expect(r.status, JSON.stringify(r.json)).toBe(200);
    const fresh = await liveCert(ids.gw1!);
    expect(fresh.fingerprint).not.toBe(old.fingerprint);
    expect(await printedSubnets(fresh.pem)).toEqual(["192.168.50.0/24", "192.168.51.0/24"]);
    expect((await db.certificate.findUniqueOrThrow({ where: { id: old.id } })).revokedAt).not.toBeNull();
    expect((await db.network.findUniqueOrThrow({ where: { id: networkId } })).configRevision).toBeGreaterThan(revision);
    expect(await routesOf(ids.web1!)).toHaveLength(2);
    // The router's own restart key changes with its certificate's subnets (nebula rebuilds its firewall's local addresses only on start).
    const rendered = await renderConfigFor(networkId, ids.gw1!);
    expect(rendered.certNetworks).toEqual([expect.stringMatching(/\/24$/), "192.168.50.0/24", "192.168.51.0/24"]);
  });

  it("keeps a rule limited to a routed subnet, refuses a bad one, and never counts it for host-to-host traffic", async () => {
    const body = { direction: "inbound", port: "443", proto: "tcp", peer: { kind: "group", group: "web" }, appliesTo: { kind: "group", group: "gw" }, localCidr: "192.168.50.0/24", description: "web to the LAN behind gw1" };
    const created = await call(rules.POST, "POST", { as: admin, params: { networkId }, body });
    expect(created.status, JSON.stringify(created.json)).toBe(201);
    const listed = await call(rules.GET, "GET", { as: admin, params: { networkId } });
    expect(listed.json.rules.find((x: { description: string }) => x.description === body.description)).toMatchObject({ localCidr: "192.168.50.0/24" });
    const bad = await call(rules.POST, "POST", { as: admin, params: { networkId }, body: { ...body, localCidr: "192.168.50.7/24" } });
    expect(bad.status).toBe(400);
    expect(bad.json.error.fields.localCidr[0]).toMatch(/did you mean 192\.168\.50\.0\/24/);
    const inbound = ((await renderConfigFor(networkId, ids.gw1!)).object.firewall as { inbound: unknown[] }).inbound;
    // This network renders for its target, 1.6 by default, which cannot limit a rule to a subnet: the rule is left out.
    expect(JSON.stringify(inbound)).not.toContain("local_cidr");
    const verdict = await call(reach.GET, "GET", { as: admin, params: { networkId }, query: { from: ids.web1!, to: ids.gw1!, proto: "tcp", port: "443" } });
    expect(verdict.json.allowed).toBe(false);
  });
});
