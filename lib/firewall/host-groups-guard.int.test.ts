/**
 * Issue 12 part 5: a change of which groups hosts hold is policy-tested like a rule change. Moving
 * a host into another group, adding a node in groups, making a join link with preset groups and
 * enrolling through one: a change that breaks an assertion that held is refused (409
 * policy_violation, naming it), nothing changes, and only an owner may override (audited).
 */
import { beforeAll, describe, expect, it } from "vitest";
import * as networks from "@/app/api/v1/networks/route";
import * as members from "@/app/api/v1/networks/[networkId]/members/route";
import * as groups from "@/app/api/v1/networks/[networkId]/groups/route";
import * as nodes from "@/app/api/v1/networks/[networkId]/nodes/route";
import * as nodeRoute from "@/app/api/v1/networks/[networkId]/nodes/[nodeId]/route";
import * as links from "@/app/api/v1/networks/[networkId]/links/route";
import * as rules from "@/app/api/v1/networks/[networkId]/rules/route";
import * as assertions from "@/app/api/v1/networks/[networkId]/policy/assertions/route";
import * as enrollRoute from "@/app/api/v1/enroll/route";
import { db } from "@/lib/db/client";
import { call, createTestUser, freshCidr, type TestUser } from "@/lib/testing/api-harness";
import { hostKeyPair } from "@/lib/testing/nebula-tools";

let owner: TestUser;
let admin: TestUser;
let networkId: string;
const ids: Record<string, string> = {};
/** Made before any assertion existed: its future hosts would break "guest → db denied" by now. */
let earlyLinkToken: string;
const GUEST_DENIED = '"group guest → group db tcp/any denied"';

async function snapshot() {
  const [nodeRows, network, linkCount, leaseCount, auditCount] = await Promise.all([
    db.node.findMany({ where: { networkId }, orderBy: { name: "asc" }, select: { name: true, groups: { select: { group: { select: { name: true } } } } } }),
    db.network.findUniqueOrThrow({ where: { id: networkId }, select: { configRevision: true } }),
    db.enrollLink.count({ where: { networkId } }),
    db.lease.count({ where: { networkId } }),
    db.auditEvent.count({ where: { networkId } }),
  ]);
  return { nodes: nodeRows.map((n) => [n.name, n.groups.map((g) => g.group.name).sort()]), revision: network.configRevision, linkCount, leaseCount, auditCount };
}

beforeAll(async () => {
  owner = await createTestUser({ name: "hg-owner" });
  admin = await createTestUser({ name: "hg-admin" });
  networkId = (await call(networks.POST, "POST", { as: owner, body: { name: "host-groups policy", cidr: freshCidr() } })).json.network.id;
  await call(members.POST, "POST", { as: owner, params: { networkId }, body: { userId: admin.id, role: "admin" } });
  for (const name of ["web", "db", "guest", "ops"]) await call(groups.POST, "POST", { as: owner, params: { networkId }, body: { name } });
  for (const [name, group] of [["web-1", "web"], ["db-1", "db"], ["guest-1", "guest"]] as const) {
    const r = await call(nodes.POST, "POST", { as: owner, params: { networkId }, body: { name, groups: [group] } });
    expect(r.status, JSON.stringify(r.json)).toBe(201);
    ids[name] = r.json.node.id;
  }
  const rule = await call(rules.POST, "POST", { as: owner, params: { networkId }, body: { direction: "inbound", proto: "tcp", port: "5432", peer: { kind: "group", group: "web" }, appliesTo: { kind: "group", group: "db" } } });
  expect(rule.status).toBe(201);
  earlyLinkToken = (await call(links.POST, "POST", { as: admin, params: { networkId }, body: { presetGroups: ["guest", "web"] } })).json.token;
  for (const body of [
    { from: { kind: "group", group: "web" }, to: { kind: "group", group: "db" }, proto: "tcp", port: "5432", expect: "allowed" },
    { from: { kind: "group", group: "guest" }, to: { kind: "group", group: "db" }, proto: "tcp", port: "any", expect: "denied" },
  ]) {
    const a = await call(assertions.POST, "POST", { as: owner, params: { networkId }, body });
    expect(a.json.verdict.passed, JSON.stringify(a.json)).toBe(true);
  }
});

describe("policy tests on changes of hosts' groups", () => {
  it("refuses moving a guest host into web (guests would reach db), naming the assertion and the move, and changes nothing", async () => {
    const before = await snapshot();
    const r = await call(nodeRoute.PATCH, "PATCH", { as: admin, params: { networkId, nodeId: ids["guest-1"]! }, body: { groups: ["guest", "web"] } });
    expect(r.status, JSON.stringify(r.json)).toBe(409);
    expect(r.json.error.code).toBe("policy_violation");
    expect(r.json.error.message).toContain(GUEST_DENIED);
    expect(r.json.error.message).toContain('moving node "guest-1" from group guest to groups guest, web');
    expect(r.json.error.fields.policy).toHaveLength(1);
    expect(await snapshot()).toEqual(before);
  });

  it("lets a change through that breaks nothing, and checks nothing when the groups stay", async () => {
    const r = await call(nodeRoute.PATCH, "PATCH", { as: admin, params: { networkId, nodeId: ids["web-1"]! }, body: { groups: ["web", "ops"] } });
    expect(r.status, JSON.stringify(r.json)).toBe(200);
    expect(r.json.node.groups).toEqual(["ops", "web"]);
    const same = await call(nodeRoute.PATCH, "PATCH", { as: admin, params: { networkId, nodeId: ids["guest-1"]! }, body: { groups: ["guest"], description: "still a guest" } });
    expect(same.status).toBe(200);
  });

  it("takes an owner's override (audited), never an admin's", async () => {
    const asAdmin = await call(nodeRoute.PATCH, "PATCH", { as: admin, params: { networkId, nodeId: ids["guest-1"]! }, body: { groups: ["guest", "web"] }, query: { overridePolicy: "true" } });
    expect(asAdmin.status).toBe(403);
    const asOwner = await call(nodeRoute.PATCH, "PATCH", { as: owner, params: { networkId, nodeId: ids["guest-1"]! }, body: { groups: ["guest", "web"] }, query: { overridePolicy: "true" } });
    expect(asOwner.status, JSON.stringify(asOwner.json)).toBe(200);
    const audit = await db.auditEvent.findFirstOrThrow({ where: { networkId, action: "policy.override" }, orderBy: { createdAt: "desc" } });
    expect(JSON.stringify(audit.after)).toContain("group guest → group db tcp/any denied");
    expect(JSON.stringify(audit.after)).toContain('moving node \\"guest-1\\"');
    // Moving it back mends the assertion: no override needed.
    expect((await call(nodeRoute.PATCH, "PATCH", { as: admin, params: { networkId, nodeId: ids["guest-1"]! }, body: { groups: ["guest"] } })).status).toBe(200);
  });

  it("refuses a new node whose groups break an assertion, leasing nothing", async () => {
    const before = await snapshot();
    const r = await call(nodes.POST, "POST", { as: admin, params: { networkId }, body: { name: "guest-2", groups: ["guest", "web"] } });
    expect(r.status, JSON.stringify(r.json)).toBe(409);
    expect(r.json.error.message).toContain(GUEST_DENIED);
    expect(r.json.error.message).toContain('adding node "guest-2" in groups guest, web');
    expect(await snapshot()).toEqual(before);
    expect((await call(nodes.POST, "POST", { as: admin, params: { networkId }, body: { name: "guest-2", groups: ["guest"] } })).status).toBe(201);
  });

  it("tests a join link's preset groups as its future host's when the link is made", async () => {
    const before = await snapshot();
    const r = await call(links.POST, "POST", { as: admin, params: { networkId }, body: { presetGroups: ["web", "guest"] } });
    expect(r.status, JSON.stringify(r.json)).toBe(409);
    expect(r.json.error.message).toContain(GUEST_DENIED);
    expect(r.json.error.message).toContain("a join link for hosts in guest, web");
    expect(await snapshot()).toEqual(before);
    expect((await call(links.POST, "POST", { as: admin, params: { networkId }, body: { presetGroups: ["guest"] } })).status).toBe(201);
  });

  it("refuses an enrollment through a link made before the assertion, naming it, and keeps no node, lease or use", async () => {
    const before = await snapshot();
    const keys = await hostKeyPair();
    const r = await call(enrollRoute.POST, "POST", { body: { token: earlyLinkToken, hostname: "late-guest", publicKeyPem: keys.publicKeyPem }, headers: { "x-nc-client-ip": "203.0.113.91" } });
    expect(r.status, JSON.stringify(r.json)).toBe(409);
    expect(r.json.error.code).toBe("policy_violation");
    expect(r.json.error.message).toContain(GUEST_DENIED);
    expect(r.json.error.message).toContain('enrolling "late-guest" in guest, web through a join link');
    expect(await snapshot()).toEqual(before);
    expect(await db.enrollUse.count({ where: { link: { networkId } } })).toBe(0);
    expect((await db.enrollLink.findMany({ where: { networkId }, select: { usedCount: true } })).map((l) => l.usedCount)).toEqual([0, 0]);
  });
});
