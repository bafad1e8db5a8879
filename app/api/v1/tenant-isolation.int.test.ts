/**
 * Every network-scoped route, for reads and writes: another tenant's network answers 404, exactly
 * like a network that does not exist, and nothing changes.
 */
import { beforeAll, describe, expect, it } from "vitest";
import * as networks from "./networks/route";
import * as network from "./networks/[networkId]/route";
import * as members from "./networks/[networkId]/members/route";
import * as member from "./networks/[networkId]/members/[memberId]/route";
import * as networkAudit from "./networks/[networkId]/audit/route";
import * as audit from "./audit/route";
import * as groups from "./networks/[networkId]/groups/route";
import * as group from "./networks/[networkId]/groups/[groupId]/route";
import * as nodes from "./networks/[networkId]/nodes/route";
import * as node from "./networks/[networkId]/nodes/[nodeId]/route";
import * as nodeCert from "./networks/[networkId]/nodes/[nodeId]/certificate/route";
import * as nodeBundle from "./networks/[networkId]/nodes/[nodeId]/bundle/route";
import * as nodeConfig from "./networks/[networkId]/nodes/[nodeId]/config/route";
import * as rules from "./networks/[networkId]/rules/route";
import * as rule from "./networks/[networkId]/rules/[ruleId]/route";
import * as ruleMove from "./networks/[networkId]/rules/[ruleId]/move/route";
import * as icmp from "./networks/[networkId]/rules/icmp/route";
import * as certs from "./networks/[networkId]/certificates/route";
import * as revoke from "./networks/[networkId]/certificates/[certificateId]/revoke/route";
import * as leases from "./networks/[networkId]/leases/route";
import * as versions from "./networks/[networkId]/versions/route";
import * as ca from "./networks/[networkId]/ca/route";
import * as caRotation from "./networks/[networkId]/ca/rotation/route";
import * as caSwitch from "./networks/[networkId]/ca/rotation/switch/route";
import * as caResign from "./networks/[networkId]/ca/rotation/resign/route";
import * as caRetire from "./networks/[networkId]/ca/rotation/retire/route";
import * as reach from "./networks/[networkId]/reachability/route";
import * as matrix from "./networks/[networkId]/matrix/route";
import * as policyAssertions from "./networks/[networkId]/policy/assertions/route";
import * as policyAssertion from "./networks/[networkId]/policy/assertions/[assertionId]/route";
import * as policyTest from "./networks/[networkId]/policy/test/route";
import { hostKeyPair } from "@/lib/testing/nebula-tools";
import { db } from "@/lib/db/client";
import { call, createTestUser, freshCidr, type TestUser } from "@/lib/testing/api-harness";

let alice: TestUser;
let bob: TestUser;
let networkId: string;
let memberId: string;
let groupId: string;
let nodeId: string;
let ruleId: string;
let certificateId: string;
let assertionId: string;
let pub: string;

beforeAll(async () => {
  alice = await createTestUser({ name: "alice" });
  bob = await createTestUser({ name: "bob" });
  const r = await call(networks.POST, "POST", { as: alice, body: { name: "alice-net", cidr: freshCidr() } });
  networkId = r.json.network.id;
  memberId = (await db.networkMember.findFirstOrThrow({ where: { networkId } })).id;
  groupId = (await call(groups.POST, "POST", { as: alice, params: { networkId }, body: { name: "web" } })).json.group.id;
  pub = (await hostKeyPair()).publicKeyPem;
  nodeId = (await call(nodes.POST, "POST", { as: alice, params: { networkId }, body: { name: "web-1", groups: ["web"], publicKeyPem: pub } })).json.node.id;
  ruleId = (await db.firewallRule.findFirstOrThrow({ where: { networkId } })).id;
  certificateId = (await db.certificate.findFirstOrThrow({ where: { networkId } })).id;
  assertionId = (await call(policyAssertions.POST, "POST", { as: alice, params: { networkId }, body: webDenied })).json.assertion.id;
});

const rule443 = { direction: "inbound", port: "443", proto: "tcp", peer: { kind: "any" } };
const webDenied = { from: { kind: "group", group: "web" }, to: { kind: "any" }, proto: "tcp", port: "22", expect: "denied" };

const cases: Array<[string, () => ReturnType<typeof call>]> = [
  ["GET network", () => call(network.GET, "GET", { as: bob, params: { networkId } })],
  ["PATCH network", () => call(network.PATCH, "PATCH", { as: bob, params: { networkId }, body: { name: "pwned" } })],
  ["DELETE network", () => call(network.DELETE, "DELETE", { as: bob, params: { networkId } })],
  ["GET members", () => call(members.GET, "GET", { as: bob, params: { networkId } })],
  ["POST member", () => call(members.POST, "POST", { as: bob, params: { networkId }, body: { email: bob.email, role: "owner" } })],
  ["PATCH member", () => call(member.PATCH, "PATCH", { as: bob, params: { networkId, memberId }, body: { role: "viewer" } })],
  ["DELETE member", () => call(member.DELETE, "DELETE", { as: bob, params: { networkId, memberId } })],
  ["GET network audit", () => call(networkAudit.GET, "GET", { as: bob, params: { networkId } })],
  ["GET groups", () => call(groups.GET, "GET", { as: bob, params: { networkId } })],
  ["POST group", () => call(groups.POST, "POST", { as: bob, params: { networkId }, body: { name: "evil" } })],
  ["PATCH group", () => call(group.PATCH, "PATCH", { as: bob, params: { networkId, groupId }, body: { name: "evil" } })],
  ["DELETE group", () => call(group.DELETE, "DELETE", { as: bob, params: { networkId, groupId } })],
  ["GET nodes", () => call(nodes.GET, "GET", { as: bob, params: { networkId } })],
  ["POST node", () => call(nodes.POST, "POST", { as: bob, params: { networkId }, body: { name: "evil" } })],
  ["GET node", () => call(node.GET, "GET", { as: bob, params: { networkId, nodeId } })],
  ["PATCH node", () => call(node.PATCH, "PATCH", { as: bob, params: { networkId, nodeId }, body: { groups: [] } })],
  ["DELETE node", () => call(node.DELETE, "DELETE", { as: bob, params: { networkId, nodeId } })],
  ["POST node certificate", () => call(nodeCert.POST, "POST", { as: bob, params: { networkId, nodeId }, body: { publicKeyPem: pub } })],
  ["POST node bundle", () => call(nodeBundle.POST, "POST", { as: bob, params: { networkId, nodeId }, body: { newKey: true } })],
  ["GET node config", () => call(nodeConfig.GET, "GET", { as: bob, params: { networkId, nodeId } })],
  ["GET rules", () => call(rules.GET, "GET", { as: bob, params: { networkId } })],
  ["POST rule", () => call(rules.POST, "POST", { as: bob, params: { networkId }, body: rule443 })],
  ["PUT rule", () => call(rule.PUT, "PUT", { as: bob, params: { networkId, ruleId }, body: rule443 })],
  ["DELETE rule", () => call(rule.DELETE, "DELETE", { as: bob, params: { networkId, ruleId } })],
  ["POST rule move", () => call(ruleMove.POST, "POST", { as: bob, params: { networkId, ruleId }, body: { direction: "down" } })],
  ["PUT icmp", () => call(icmp.PUT, "PUT", { as: bob, params: { networkId }, body: { enabled: false } })],
  ["GET certificates", () => call(certs.GET, "GET", { as: bob, params: { networkId } })],
  ["POST revoke", () => call(revoke.POST, "POST", { as: bob, params: { networkId, certificateId }, body: { reason: "x" } })],
  ["GET leases", () => call(leases.GET, "GET", { as: bob, params: { networkId } })],
  ["GET versions", () => call(versions.GET, "GET", { as: bob, params: { networkId } })],
  ["GET ca", () => call(ca.GET, "GET", { as: bob, params: { networkId } })],
  ["GET ca rotation", () => call(caRotation.GET, "GET", { as: bob, params: { networkId } })],
  ["POST ca rotation", () => call(caRotation.POST, "POST", { as: bob, params: { networkId }, body: {} })],
  ["POST ca rotation switch", () => call(caSwitch.POST, "POST", { as: bob, params: { networkId }, body: { force: true } })],
  ["POST ca rotation resign", () => call(caResign.POST, "POST", { as: bob, params: { networkId }, body: { force: true } })],
  ["POST ca rotation retire", () => call(caRetire.POST, "POST", { as: bob, params: { networkId } })],
  ["GET reachability", () => call(reach.GET, "GET", { as: bob, params: { networkId }, query: { from: nodeId, to: nodeId, proto: "tcp", port: "443" } })],
  ["GET matrix", () => call(matrix.GET, "GET", { as: bob, params: { networkId } })],
  ["GET policy assertions", () => call(policyAssertions.GET, "GET", { as: bob, params: { networkId } })],
  ["POST policy assertion", () => call(policyAssertions.POST, "POST", { as: bob, params: { networkId }, body: webDenied })],
  ["PUT policy assertion", () => call(policyAssertion.PUT, "PUT", { as: bob, params: { networkId, assertionId }, body: { ...webDenied, expect: "allowed" } })],
  ["DELETE policy assertion", () => call(policyAssertion.DELETE, "DELETE", { as: bob, params: { networkId, assertionId } })],
  ["POST policy test", () => call(policyTest.POST, "POST", { as: bob, params: { networkId } })],
];

describe("tenant isolation", () => {
  it.each(cases)("%s on another tenant's network answers 404", async (_name, attempt) => {
    const r = await attempt();
    expect(r.status).toBe(404);
    expect(r.json.error).toMatchObject({ code: "not_found", message: "Network not found" });
  });

  it("left the network, its members and its audit trail untouched", async () => {
    const n = await db.network.findUniqueOrThrow({ where: { id: networkId }, include: { members: true } });
    expect(n.name).toBe("alice-net");
    expect(n.members.map((m) => [m.userId, m.role])).toEqual([[alice.id, "owner"]]);
    expect(await db.auditEvent.count({ where: { networkId, actorId: bob.id } })).toBe(0);
    expect(await db.node.count({ where: { networkId } })).toBe(1);
    expect(await db.group.count({ where: { networkId } })).toBe(1);
    expect(await db.certificate.count({ where: { networkId, revokedAt: { not: null } } })).toBe(0);
    expect(await db.firewallRule.count({ where: { networkId } })).toBe(2);
    expect(await db.policyAssertion.findMany({ where: { networkId }, select: { id: true, expect: true } })).toEqual([{ id: assertionId, expect: "denied" }]);
    expect(await db.ca.findMany({ where: { networkId }, select: { state: true } })).toEqual([{ state: "current" }]);
  });

  it("hides the network from bob's lists and audit log", async () => {
    const list = await call(networks.GET, "GET", { as: bob });
    expect(list.json.networks).toEqual([]);
    const log = await call(audit.GET, "GET", { as: bob });
    expect(log.json.events.filter((e: { networkId: string }) => e.networkId === networkId)).toEqual([]);
  });

  it("lets bob use the same range in his own network (overlap is per user)", async () => {
    const cidr = (await db.network.findUniqueOrThrow({ where: { id: networkId } })).cidr;
    const r = await call(networks.POST, "POST", { as: bob, body: { name: "bob-net", cidr } });
    expect(r.status).toBe(201);
  });

  it("ids of alice's objects are not found through bob's own network either", async () => {
    const own = (await call(networks.POST, "POST", { as: bob, body: { name: "bob-own", cidr: "10.250.0.0/24" } })).json.network.id;
    const attempts = [
      await call(node.GET, "GET", { as: bob, params: { networkId: own, nodeId } }),
      await call(node.DELETE, "DELETE", { as: bob, params: { networkId: own, nodeId } }),
      await call(group.DELETE, "DELETE", { as: bob, params: { networkId: own, groupId } }),
      await call(rule.DELETE, "DELETE", { as: bob, params: { networkId: own, ruleId } }),
      await call(policyAssertion.DELETE, "DELETE", { as: bob, params: { networkId: own, assertionId } }),
      await call(revoke.POST, "POST", { as: bob, params: { networkId: own, certificateId }, body: { reason: "x" } }),
      await call(nodeConfig.GET, "GET", { as: bob, params: { networkId: own, nodeId } }),
    ];
    expect(attempts.map((a) => a.status)).toEqual([404, 404, 404, 404, 404, 404, 404]);
    expect(await db.certificate.count({ where: { id: certificateId, revokedAt: null } })).toBe(1);
  });
});
