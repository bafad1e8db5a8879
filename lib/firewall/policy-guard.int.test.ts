/**
 * Policy tests against the real database, through the route handlers: a rule change that breaks a
 * passing assertion is refused inside its transaction (rules and revision untouched), an owner's
 * override goes through and is audited, an admin's override is refused, and "test now" answers
 * each verdict with the rules that decided it.
 */
import { beforeAll, describe, expect, it } from "vitest";
import * as networks from "@/app/api/v1/networks/route";
import * as members from "@/app/api/v1/networks/[networkId]/members/route";
import * as groups from "@/app/api/v1/networks/[networkId]/groups/route";
import * as group from "@/app/api/v1/networks/[networkId]/groups/[groupId]/route";
import * as nodes from "@/app/api/v1/networks/[networkId]/nodes/route";
import * as rules from "@/app/api/v1/networks/[networkId]/rules/route";
import * as rule from "@/app/api/v1/networks/[networkId]/rules/[ruleId]/route";
import * as ruleMove from "@/app/api/v1/networks/[networkId]/rules/[ruleId]/move/route";
import * as icmp from "@/app/api/v1/networks/[networkId]/rules/icmp/route";
import * as assertions from "@/app/api/v1/networks/[networkId]/policy/assertions/route";
import * as assertionRoute from "@/app/api/v1/networks/[networkId]/policy/assertions/[assertionId]/route";
import * as policyTest from "@/app/api/v1/networks/[networkId]/policy/test/route";
import { db } from "@/lib/db/client";
import { call, createTestUser, freshCidr, type TestUser } from "@/lib/testing/api-harness";

let owner: TestUser;
let admin: TestUser;
let viewer: TestUser;
let networkId: string;
let postgresRuleId: string;

const postgresFromWeb = { direction: "inbound", proto: "tcp", port: "5432", peer: { kind: "group", group: "web" }, appliesTo: { kind: "group", group: "db" }, description: "postgres from web" };
const webToDb = { from: { kind: "group", group: "web" }, to: { kind: "group", group: "db" }, proto: "tcp", port: "5432", expect: "allowed", description: "the app needs its database" };
const guestToDb = { from: { kind: "group", group: "guest" }, to: { kind: "group", group: "db" }, proto: "tcp", port: "any", expect: "denied" };

async function snapshot() {
  const [ruleRows, network] = await Promise.all([
    db.firewallRule.findMany({ where: { networkId }, orderBy: { position: "asc" }, select: { id: true, position: true, port: true, proto: true, direction: true, peerKind: true } }),
    db.network.findUniqueOrThrow({ where: { id: networkId }, select: { configRevision: true } }),
  ]);
  return { rules: ruleRows, revision: network.configRevision };
}

beforeAll(async () => {
  owner = await createTestUser({ name: "policy-owner" });
  admin = await createTestUser({ name: "policy-admin" });
  viewer = await createTestUser({ name: "policy-viewer" });
  networkId = (await call(networks.POST, "POST", { as: owner, body: { name: "policy", cidr: freshCidr() } })).json.network.id;
  await call(members.POST, "POST", { as: owner, params: { networkId }, body: { userId: admin.id, role: "admin" } });
  await call(members.POST, "POST", { as: owner, params: { networkId }, body: { userId: viewer.id, role: "viewer" } });
  for (const name of ["web", "db", "guest"]) await call(groups.POST, "POST", { as: owner, params: { networkId }, body: { name } });
  await call(nodes.POST, "POST", { as: owner, params: { networkId }, body: { name: "web-1", groups: ["web"] } });
  await call(nodes.POST, "POST", { as: owner, params: { networkId }, body: { name: "db-1", groups: ["db"] } });
  await call(nodes.POST, "POST", { as: owner, params: { networkId }, body: { name: "guest-1", groups: ["guest"] } });
});

describe("policy assertions", () => {
  it("adds an assertion that fails today, keeps it, and says it fails", async () => {
    const r = await call(assertions.POST, "POST", { as: admin, params: { networkId }, body: webToDb });
    expect(r.status).toBe(201);
    expect(r.json.verdict).toMatchObject({ passed: false, rules: [] });
    expect(r.json.verdict.detail).toContain("no rule allows it");
    expect(r.json.assertion).toMatchObject({ text: "group web → group db tcp/5432 allowed", last: { passed: false } });
  });

  it("refuses unknown groups and hosts field by field", async () => {
    const r = await call(assertions.POST, "POST", { as: admin, params: { networkId }, body: { ...webToDb, from: { kind: "group", group: "nope" }, to: { kind: "host", host: "ghost" } } });
    expect(r.status).toBe(400);
    expect(Object.keys(r.json.error.fields).sort()).toEqual(["from.group", "to.host"]);
  });

  it("tests now: the assertion passes once a rule allows it, naming the deciding rules", async () => {
    const created = await call(rules.POST, "POST", { as: admin, params: { networkId }, body: postgresFromWeb });
    expect(created.status).toBe(201);
    postgresRuleId = created.json.rule.id;
    await call(assertions.POST, "POST", { as: admin, params: { networkId }, body: guestToDb });
    const r = await call(policyTest.POST, "POST", { as: viewer, params: { networkId } });
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ passed: 2, failed: 0 });
    expect(r.json.verdicts[0].rules.map((x: { id: string }) => x.id)).toContain(postgresRuleId);
    const listed = await call(assertions.GET, "GET", { as: viewer, params: { networkId } });
    expect(listed.json.assertions.map((a: { last: { passed: boolean } }) => a.last.passed)).toEqual([true, true]);
  });

  it("refuses a rule deletion that breaks an allowed assertion, naming it and the rule, and changes nothing", async () => {
    const before = await snapshot();
    const auditBefore = await db.auditEvent.count({ where: { networkId } });
    const r = await call(rule.DELETE, "DELETE", { as: admin, params: { networkId, ruleId: postgresRuleId } });
    expect(r.status).toBe(409);
    expect(r.json.error.code).toBe("policy_violation");
    expect(r.json.error.message).toContain('"group web → group db tcp/5432 allowed"');
    expect(r.json.error.message).toContain('allowed by "outbound any to any host (applies to all hosts)" and "inbound tcp/5432 from group web (applies to group db)"');
    expect(r.json.error.fields.policy).toHaveLength(1);
    expect(await snapshot()).toEqual(before);
    expect(await db.auditEvent.count({ where: { networkId } })).toBe(auditBefore);
  });

  it("refuses a new rule that lets a denied flow through, naming the rule that allows it", async () => {
    const before = await snapshot();
    const r = await call(rules.POST, "POST", { as: admin, params: { networkId }, body: { direction: "inbound", proto: "tcp", port: "22", peer: { kind: "any" }, description: "ssh from anywhere" } });
    expect(r.status).toBe(409);
    expect(r.json.error.message).toContain('"group guest → group db tcp/any denied"');
    expect(r.json.error.message).toContain('"inbound tcp/22 from any host (applies to all hosts)"');
    expect(await snapshot()).toEqual(before);
  });

  it("checks updates, moves and the ping switch in the same path", async () => {
    const before = await snapshot();
    const update = await call(rule.PUT, "PUT", { as: admin, params: { networkId, ruleId: postgresRuleId }, body: { ...postgresFromWeb, port: "5433" } });
    expect(update.status).toBe(409);
    expect(update.json.error.message).toContain("changing rule");
    // Moving never changes what is allowed, and ping is outside a tcp assertion: both pass the guard.
    expect((await call(ruleMove.POST, "POST", { as: admin, params: { networkId, ruleId: postgresRuleId }, body: { direction: "up" } })).status).toBe(200);
    expect((await call(icmp.PUT, "PUT", { as: admin, params: { networkId }, body: { enabled: false } })).status).toBe(200);
    expect((await call(icmp.PUT, "PUT", { as: admin, params: { networkId }, body: { enabled: true } })).status).toBe(200);
    const after = await snapshot();
    expect(after.revision).toBeGreaterThan(before.revision);
  });

  it("refuses the ping switch when it breaks an icmp assertion", async () => {
    const pingable = await call(assertions.POST, "POST", { as: admin, params: { networkId }, body: { from: { kind: "any" }, to: { kind: "host", host: "db-1" }, proto: "icmp", expect: "allowed" } });
    expect(pingable.json.verdict.passed).toBe(true);
    const before = await snapshot();
    const r = await call(icmp.PUT, "PUT", { as: admin, params: { networkId }, body: { enabled: false } });
    expect(r.status).toBe(409);
    expect(r.json.error.message).toContain('"any host → host db-1 icmp allowed"');
    expect(r.json.error.message).toContain('"inbound icmp from any host (applies to all hosts)"');
    expect(await snapshot()).toEqual(before);
    expect((await call(assertionRoute.DELETE, "DELETE", { as: owner, params: { networkId, assertionId: pingable.json.assertion.id } })).status).toBe(204);
  });

  it("does not let an admin override", async () => {
    const before = await snapshot();
    const r = await call(rule.DELETE, "DELETE", { as: admin, params: { networkId, ruleId: postgresRuleId }, query: { overridePolicy: "true" } });
    expect(r.status).toBe(403);
    expect(r.json.error.message).toContain("Only an owner can override");
    expect(await snapshot()).toEqual(before);
    expect(await db.auditEvent.count({ where: { networkId, action: "policy.override" } })).toBe(0);
  });

  it("lets an owner override, and audits the override with the broken assertion", async () => {
    const before = await snapshot();
    const r = await call(rule.DELETE, "DELETE", { as: owner, params: { networkId, ruleId: postgresRuleId }, query: { overridePolicy: "true" } });
    expect(r.status).toBe(204);
    const after = await snapshot();
    expect(after.rules.map((x) => x.id)).not.toContain(postgresRuleId);
    expect(after.revision).toBeGreaterThan(before.revision);
    const event = await db.auditEvent.findFirstOrThrow({ where: { networkId, action: "policy.override" } });
    expect(event.actorId).toBe(owner.id);
    expect(JSON.stringify(event.after)).toContain("group web → group db tcp/5432 allowed");
    expect(JSON.stringify(event.after)).toContain("deleting rule");
    // The change was a test: the badge now says the assertion fails.
    const listed = await call(assertions.GET, "GET", { as: viewer, params: { networkId } });
    expect(listed.json.assertions[0].last.passed).toBe(false);
  });

  it("does not block unrelated changes while an assertion already fails", async () => {
    const r = await call(rules.POST, "POST", { as: admin, params: { networkId }, body: { direction: "inbound", proto: "tcp", port: "443", peer: { kind: "group", group: "web" }, appliesTo: { kind: "group", group: "web" } } });
    expect(r.status).toBe(201);
  });

  it("keeps changing and deleting assertions to owners, and groups in use from deletion", async () => {
    const [first] = (await call(assertions.GET, "GET", { as: viewer, params: { networkId } })).json.assertions;
    expect((await call(assertionRoute.DELETE, "DELETE", { as: admin, params: { networkId, assertionId: first.id } })).status).toBe(403);
    expect((await call(assertionRoute.PUT, "PUT", { as: admin, params: { networkId, assertionId: first.id }, body: webToDb })).status).toBe(403);
    const guestId = (await db.group.findFirstOrThrow({ where: { networkId, name: "guest" } })).id;
    await db.nodeGroup.deleteMany({ where: { groupId: guestId } });
    const del = await call(group.DELETE, "DELETE", { as: admin, params: { networkId, groupId: guestId } });
    expect(del.status).toBe(409);
    expect(del.json.error.message).toContain("1 policy assertion");
    const put = await call(assertionRoute.PUT, "PUT", { as: owner, params: { networkId, assertionId: first.id }, body: { ...webToDb, expect: "denied" } });
    expect(put.status).toBe(200);
    expect(put.json.verdict.passed).toBe(true);
    expect((await db.auditEvent.findFirstOrThrow({ where: { networkId, action: "policy.update" } })).targetName).toBe("group web → group db tcp/5432 denied");
  });

  it("answers another tenant's network and assertion ids with 404", async () => {
    const stranger = await createTestUser({ name: "policy-stranger" });
    const own = (await call(networks.POST, "POST", { as: stranger, body: { name: "own", cidr: freshCidr() } })).json.network.id;
    const [first] = (await call(assertions.GET, "GET", { as: viewer, params: { networkId } })).json.assertions;
    const attempts = [
      await call(assertions.GET, "GET", { as: stranger, params: { networkId } }),
      await call(policyTest.POST, "POST", { as: stranger, params: { networkId } }),
      await call(assertionRoute.DELETE, "DELETE", { as: stranger, params: { networkId: own, assertionId: first.id } }),
    ];
    expect(attempts.map((a) => a.status)).toEqual([404, 404, 404]);
    expect(await db.policyAssertion.count({ where: { id: first.id } })).toBe(1);
  });
});
