/**
 * Reachability and the group matrix against real nodes: a blocked or pending node takes part in
 * no flow, whatever the rules allow, and the answer says why.
 */
import { beforeAll, describe, expect, it } from "vitest";
import * as networks from "@/app/api/v1/networks/route";
import * as groups from "@/app/api/v1/networks/[networkId]/groups/route";
import * as nodes from "@/app/api/v1/networks/[networkId]/nodes/route";
import * as block from "@/app/api/v1/networks/[networkId]/nodes/[nodeId]/block/route";
import * as rules from "@/app/api/v1/networks/[networkId]/rules/route";
import * as reach from "@/app/api/v1/networks/[networkId]/reachability/route";
import * as matrix from "@/app/api/v1/networks/[networkId]/matrix/route";
import { call, createTestUser, freshCidr, type TestUser } from "@/lib/testing/api-harness";
import { hostKeyPair } from "@/lib/testing/nebula-tools";

let admin: TestUser;
let networkId: string;
const ids: Record<string, string> = {};

async function addNode(name: string, group: string, withKey: boolean) {
  const body = { name, groups: [group], ...(withKey ? { publicKeyPem: (await hostKeyPair()).publicKeyPem } : {}) };
  const r = await call(nodes.POST, "POST", { as: admin, params: { networkId }, body });
  expect(r.status).toBe(201);
  ids[name] = r.json.node.id;
}

function check(from: string, to: string) {
  return call(reach.GET, "GET", { as: admin, params: { networkId }, query: { from: ids[from]!, to: ids[to]!, proto: "tcp", port: "443" } });
}

beforeAll(async () => {
  admin = await createTestUser();
  const r = await call(networks.POST, "POST", { as: admin, body: { name: "state-net", cidr: freshCidr() } });
  networkId = r.json.network.id;
  for (const name of ["web", "db"]) expect((await call(groups.POST, "POST", { as: admin, params: { networkId }, body: { name } })).status).toBe(201);
  // Everything open, so only node state can refuse a flow.
  for (const direction of ["inbound", "outbound"]) {
    const rule = await call(rules.POST, "POST", { as: admin, params: { networkId }, body: { direction, proto: "any", port: "any", peer: { kind: "any" }, appliesTo: { kind: "all" }, description: `all ${direction}` } });
    expect(rule.status).toBe(201);
  }
  await addNode("web1", "web", true);
  await addNode("web2", "web", true);
  await addNode("db1", "db", false);
});

describe("reachability and node state", () => {
  it("answers on the rules between two active nodes", async () => {
    const r = await check("web1", "web2");
    expect(r.json).toMatchObject({ allowed: true, to: { state: { status: "active", certificate: "current" } } });
    expect(r.json.blockedBy).toBeUndefined();
  });

  it("refuses a pending node in both directions, saying it has no certificate", async () => {
    for (const [from, to] of [["web1", "db1"], ["db1", "web1"]] as const) {
      const r = await check(from, to);
      expect(r.json).toMatchObject({ allowed: false, blockedBy: "node-state" });
      expect(r.json.summary).toContain("db1 has not enrolled yet and has no certificate");
    }
  });

  it("refuses a node blocked through the API in both directions, naming the blocklist", async () => {
    expect((await call(block.POST, "POST", { as: admin, params: { networkId, nodeId: ids.web2! } })).status).toBe(200);
    const reason = "web2 is blocked: its certificate is on every node's blocklist, so it can reach no one and no one can reach it";
    const to = await check("web1", "web2");
    expect(to.json).toMatchObject({ allowed: false, blockedBy: "node-state", summary: `web1 cannot reach web2 on tcp/443. ${reason}.`, inbound: { allowed: false, reason } });
    const from = await check("web2", "web1");
    expect(from.json).toMatchObject({ allowed: false, blockedBy: "node-state", summary: `web2 cannot reach web1 on tcp/443. ${reason}.`, outbound: { allowed: false, reason } });
  });

  it("counts only active nodes in the matrix, keeping what the rules say", async () => {
    const r = await call(matrix.GET, "GET", { as: admin, params: { networkId } });
    expect(r.json.activeHosts).toEqual({ db: 0, web: 1 });
    expect(r.json.cells.web.db).toEqual(["any"]);
  });
});
