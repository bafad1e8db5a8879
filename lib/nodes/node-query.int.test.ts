/**
 * Large networks in the UI: nodes searched, filtered and paged in Postgres (the nodes page, the
 * API with query parameters, the node pickers), and the overview's topology read by aggregates,
 * clustered by group once there are more hosts than it draws one by one.
 */
import { beforeAll, describe, expect, it } from "vitest";
import * as networks from "@/app/api/v1/networks/route";
import * as groups from "@/app/api/v1/networks/[networkId]/groups/route";
import * as nodes from "@/app/api/v1/networks/[networkId]/nodes/route";
import { call, createTestUser, freshCidr, type TestUser } from "@/lib/testing/api-harness";
import { addressRange, listNodesPage, nodeQuerySchema } from "./node-query";
import { HOSTS_DRAWN_ONE_BY_ONE, topologyOf } from "./topology-data";

let admin: TestUser;
let networkId: string;
let prefix: string;
const HOSTS = HOSTS_DRAWN_ONE_BY_ONE + 12;

const query = (q: Record<string, unknown>) => nodeQuerySchema.parse(q);

beforeAll(async () => {
  admin = await createTestUser();
  const cidr = freshCidr();
  prefix = cidr.split(".").slice(0, 3).join(".");
  networkId = (await call(networks.POST, "POST", { as: admin, body: { name: "big-net", cidr } })).json.network.id;
  for (const name of ["db", "web"]) expect((await call(groups.POST, "POST", { as: admin, params: { networkId }, body: { name } })).status).toBe(201);
  const add = (body: Record<string, unknown>) => call(nodes.POST, "POST", { as: admin, params: { networkId }, body });
  expect((await add({ name: "lh-1", isLighthouse: true, endpoints: ["192.0.2.1:4242"], listenPort: 4242, groups: [] })).status).toBe(201);
  // Pending nodes (no key): leased, never signed, so that this stays quick.
  for (let i = 0; i < HOSTS; i++) {
    const r = await add({ name: `host-${String(i).padStart(3, "0")}`, groups: i % 3 === 0 ? ["db"] : i % 3 === 1 ? ["web", "db"] : [], description: i === 7 ? "the billing box" : "" });
    expect(r.status, JSON.stringify(r.json)).toBe(201);
  }
}, 120_000);

describe("nodes searched and paged in the database", () => {
  it("pages in name order, with the total", async () => {
    const first = await listNodesPage(networkId, query({ pageSize: 10 }));
    expect(first.total).toBe(HOSTS + 1);
    expect(first.pages).toBe(Math.ceil((HOSTS + 1) / 10));
    expect(first.nodes.map((n) => n.name)).toEqual(["host-000", "host-001", "host-002", "host-003", "host-004", "host-005", "host-006", "host-007", "host-008", "host-009"]);
    const last = await listNodesPage(networkId, query({ pageSize: 10, page: 999 }));
    expect(last.page).toBe(last.pages);
    expect(last.nodes.at(-1)!.name).toBe("lh-1");
  });

  it("searches names, descriptions, groups and address prefixes; filters by group and kind", async () => {
    expect((await listNodesPage(networkId, query({ q: "HOST-01" }))).nodes.map((n) => n.name)).toEqual(Array.from({ length: 10 }, (_, i) => `host-01${i}`));
    expect((await listNodesPage(networkId, query({ q: "billing" }))).nodes.map((n) => n.name)).toEqual(["host-007"]);
    const web = await listNodesPage(networkId, query({ group: "web", pageSize: 200 }));
    expect(web.total).toBe(Math.floor((HOSTS + 1) / 3));
    expect(web.nodes.every((n) => n.groups.includes("web"))).toBe(true);
    const lighthouse = await listNodesPage(networkId, query({ kind: "lighthouse" }));
    expect(lighthouse.nodes.map((n) => n.name)).toEqual(["lh-1"]);
    const firstAddress = lighthouse.nodes[0]!.ip!;
    expect((await listNodesPage(networkId, query({ q: firstAddress }))).nodes.map((n) => n.name)).toEqual(["lh-1"]);
    expect((await listNodesPage(networkId, query({ q: `${prefix}.` }))).total).toBe(HOSTS + 1);
    expect((await listNodesPage(networkId, query({ q: "no-such-node" }))).total).toBe(0);
    expect((await listNodesPage(networkId, query({ kind: "pending", group: "db", q: "host-00" }))).nodes.map((n) => n.name)).toEqual(["host-000", "host-001", "host-003", "host-004", "host-006", "host-007", "host-009"]);
  });

  it("answers the API with one page when asked, every node otherwise, and refuses bad parameters", async () => {
    const paged = await call(nodes.GET, "GET", { as: admin, params: { networkId }, query: { q: "host-00", pageSize: "3" } });
    expect(paged.status).toBe(200);
    expect(paged.json).toMatchObject({ total: 10, page: 1, pageSize: 3, pages: 4 });
    expect(paged.json.nodes).toHaveLength(3);
    const all = await call(nodes.GET, "GET", { as: admin, params: { networkId } });
    expect(all.json.nodes).toHaveLength(HOSTS + 1);
    const bad = await call(nodes.GET, "GET", { as: admin, params: { networkId }, query: { pageSize: "5000", kind: "toaster" } });
    expect(bad.status).toBe(400);
    expect(Object.keys(bad.json.error.fields).sort()).toEqual(["kind", "pageSize"]);
  });

  it("reads address prefixes as ranges, and anything else as no address", () => {
    expect(addressRange("10.42.0.7")).toEqual({ lo: 0x0a2a0007n, hi: 0x0a2a0007n });
    expect(addressRange("10.42.0")).toEqual({ lo: 0x0a2a0000n, hi: 0x0a2a00ffn });
    expect(addressRange("10.42.")).toEqual({ lo: 0x0a2a0000n, hi: 0x0a2affffn });
    expect(addressRange("10.256")).toBeNull();
    expect(addressRange("web-1")).toBeNull();
    expect(addressRange("1.2.3.4.5")).toBeNull();
  });
});

describe("the overview's topology at size", () => {
  it("clusters hosts by their first group once there are more than it draws one by one", async () => {
    const t = await topologyOf(networkId);
    expect(t.counts).toEqual({ nodes: HOSTS + 1, active: 0, lighthouses: 1, relays: 0, hosts: HOSTS });
    expect(t.hosts).toBeNull();
    expect(t.lighthouses.map((n) => n.name)).toEqual(["lh-1"]);
    const byGroup = Object.fromEntries(t.clusters.map((c) => [c.group ?? "(none)", c.total]));
    // Hosts in web and db are counted once, under db (first by name).
    expect(byGroup).toEqual({ db: Math.ceil(HOSTS / 3) + Math.floor((HOSTS + 1) / 3), "(none)": HOSTS - Math.ceil(HOSTS / 3) - Math.floor((HOSTS + 1) / 3) });
    expect(t.clusters.every((c) => c.pending === c.total)).toBe(true);
  });

  it("draws every host of a small network", async () => {
    const small = (await call(networks.POST, "POST", { as: admin, body: { name: "small-net", cidr: freshCidr() } })).json.network.id;
    await call(nodes.POST, "POST", { as: admin, params: { networkId: small }, body: { name: "only-1", groups: [] } });
    const t = await topologyOf(small);
    expect(t.hosts?.map((n) => n.name)).toEqual(["only-1"]);
    expect(t.clusters).toEqual([]);
  });
});
