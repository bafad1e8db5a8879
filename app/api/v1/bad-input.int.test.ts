/**
 * Input Postgres cannot store, or that names no row, is refused at the edge: a NUL (or another
 * control character, half a surrogate pair, a bidi override in a name) in any free-text field
 * answers 400 with that field's error and changes nothing; an address like 256.1.1.1 is a field
 * error; a path id that is not a UUID answers 404 like an id that does not exist. Before, each of
 * these reached the database and answered 500.
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
import * as nodeApprove from "./networks/[networkId]/nodes/[nodeId]/approve/route";
import * as nodeBlock from "./networks/[networkId]/nodes/[nodeId]/block/route";
import * as nodeCert from "./networks/[networkId]/nodes/[nodeId]/certificate/route";
import * as nodeBundle from "./networks/[networkId]/nodes/[nodeId]/bundle/route";
import * as nodeConfig from "./networks/[networkId]/nodes/[nodeId]/config/route";
import * as rules from "./networks/[networkId]/rules/route";
import * as rule from "./networks/[networkId]/rules/[ruleId]/route";
import * as ruleMove from "./networks/[networkId]/rules/[ruleId]/move/route";
import * as certs from "./networks/[networkId]/certificates/route";
import * as revoke from "./networks/[networkId]/certificates/[certificateId]/revoke/route";
import * as links from "./networks/[networkId]/links/route";
import * as linkRevoke from "./networks/[networkId]/links/[linkId]/revoke/route";
import * as ranges from "./networks/[networkId]/reserved-ranges/route";
import * as range from "./networks/[networkId]/reserved-ranges/[rangeId]/route";
import * as leases from "./networks/[networkId]/leases/route";
import { db } from "@/lib/db/client";
import { hostKeyPair } from "@/lib/testing/nebula-tools";
import { call, createTestUser, freshCidr, type CallOptions, type TestUser } from "@/lib/testing/api-harness";

type Handler = Parameters<typeof call>[0];

let owner: TestUser;
let networkId: string;
let memberId: string;
let groupId: string;
let nodeId: string;
let ruleId: string;
let linkId: string;
let rangeId: string;
let certificateId: string;

const NUL = "\u0000";

beforeAll(async () => {
  owner = await createTestUser({ name: "bad-input-owner" });
  const cidr = freshCidr();
  networkId = (await call(networks.POST, "POST", { as: owner, body: { name: "bad-input-net", cidr } })).json.network.id;
  memberId = (await db.networkMember.findFirstOrThrow({ where: { networkId } })).id;
  groupId = (await call(groups.POST, "POST", { as: owner, params: { networkId }, body: { name: "web" } })).json.group.id;
  const pub = (await hostKeyPair()).publicKeyPem;
  nodeId = (await call(nodes.POST, "POST", { as: owner, params: { networkId }, body: { name: "web-1", groups: ["web"], publicKeyPem: pub } })).json.node.id;
  ruleId = (await db.firewallRule.findFirstOrThrow({ where: { networkId } })).id;
  certificateId = (await db.certificate.findFirstOrThrow({ where: { networkId } })).id;
  linkId = (await call(links.POST, "POST", { as: owner, params: { networkId }, body: { description: "laptops" } })).json.link.id;
  const base = cidr.split(".").slice(0, 3).join(".");
  rangeId = (await call(ranges.POST, "POST", { as: owner, params: { networkId }, body: { start: `${base}.200`, end: `${base}.210` } })).json.range.id;
  expect([networkId, memberId, groupId, nodeId, ruleId, certificateId, linkId, rangeId].every(Boolean)).toBe(true);
});

/** Everything a refused request could have changed, as one comparable value. */
async function snapshot() {
  const where = { networkId };
  return JSON.stringify([
    await db.network.findMany({ where: { members: { some: { userId: owner.id } } }, orderBy: { id: "asc" } }),
    await db.networkMember.findMany({ where, orderBy: { id: "asc" } }),
    await db.group.findMany({ where, orderBy: { id: "asc" } }),
    await db.node.findMany({ where, orderBy: { id: "asc" } }),
    await db.lease.findMany({ where, orderBy: { id: "asc" } }),
    await db.firewallRule.findMany({ where, orderBy: { id: "asc" } }),
    await db.certificate.findMany({ where, orderBy: { id: "asc" } }),
    await db.enrollLink.findMany({ where, orderBy: { id: "asc" } }),
    await db.reservedRange.findMany({ where, orderBy: { id: "asc" } }),
    await db.auditEvent.count({ where: { actorId: owner.id } }),
  ], (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v));
}

const rule443 = { direction: "inbound", port: "443", proto: "tcp", peer: { kind: "any" } };

/** [what, handler, method, options (params filled in later), the field the error must name] */
type BadCase = [string, Handler, string, () => CallOptions, string];

const withNul = (text: string) => `${text}${NUL}x`;

const badInputs: BadCase[] = [
  ["POST network name", networks.POST, "POST", () => ({ body: { name: withNul("net"), cidr: freshCidr() } }), "name"],
  ["POST network description", networks.POST, "POST", () => ({ body: { name: "net", cidr: freshCidr(), description: withNul("d") } }), "description"],
  ["POST network name with a bidi override", networks.POST, "POST", () => ({ body: { name: "net\u202Egnp.exe", cidr: freshCidr() } }), "name"],
  ["PATCH network name", network.PATCH, "PATCH", () => ({ params: { networkId }, body: { name: withNul("net") } }), "name"],
  ["PATCH network description", network.PATCH, "PATCH", () => ({ params: { networkId }, body: { description: withNul("d") } }), "description"],
  ["PATCH network description with half a surrogate pair", network.PATCH, "PATCH", () => ({ params: { networkId }, body: { description: "a\uD800b" } }), "description"],
  ["POST member email", members.POST, "POST", () => ({ params: { networkId }, body: { email: withNul("x@example.test"), role: "viewer" } }), "email"],
  ["GET network audit q", networkAudit.GET, "GET", () => ({ params: { networkId }, query: { q: withNul("a") } }), "q"],
  ["GET network audit action", networkAudit.GET, "GET", () => ({ params: { networkId }, query: { action: withNul("node") } }), "action"],
  ["GET network audit actor", networkAudit.GET, "GET", () => ({ params: { networkId }, query: { actor: withNul("a") } }), "actor"],
  ["GET audit q", audit.GET, "GET", () => ({ query: { q: withNul("a") } }), "q"],
  ["GET audit actor", audit.GET, "GET", () => ({ query: { actor: withNul("a") } }), "actor"],
  ["POST group name", groups.POST, "POST", () => ({ params: { networkId }, body: { name: withNul("g") } }), "name"],
  ["POST group description", groups.POST, "POST", () => ({ params: { networkId }, body: { name: "db", description: withNul("d") } }), "description"],
  ["PATCH group description", group.PATCH, "PATCH", () => ({ params: { networkId, groupId }, body: { description: withNul("d") } }), "description"],
  ["GET nodes q", nodes.GET, "GET", () => ({ params: { networkId }, query: { q: withNul("web") } }), "q"],
  ["GET nodes group", nodes.GET, "GET", () => ({ params: { networkId }, query: { group: withNul("web") } }), "group"],
  ["POST node name", nodes.POST, "POST", () => ({ params: { networkId }, body: { name: withNul("n") } }), "name"],
  ["POST node description", nodes.POST, "POST", () => ({ params: { networkId }, body: { name: "n-1", description: withNul("d") } }), "description"],
  ["POST node ip empty (leave it out to allocate)", nodes.POST, "POST", () => ({ params: { networkId }, body: { name: "n-2", ip: "" } }), "ip"],
  ["PATCH node description", node.PATCH, "PATCH", () => ({ params: { networkId, nodeId }, body: { description: withNul("d") } }), "description"],
  ["POST rule description", rules.POST, "POST", () => ({ params: { networkId }, body: { ...rule443, description: withNul("d") } }), "description"],
  ["PUT rule description", rule.PUT, "PUT", () => ({ params: { networkId, ruleId }, body: { ...rule443, description: withNul("d") } }), "description"],
  ["GET certificates q", certs.GET, "GET", () => ({ params: { networkId }, query: { q: withNul("web") } }), "q"],
  ["POST revoke reason", revoke.POST, "POST", () => ({ params: { networkId, certificateId }, body: { reason: withNul("lost") } }), "reason"],
  ["POST link description", links.POST, "POST", () => ({ params: { networkId }, body: { description: withNul("d") } }), "description"],
  ["POST reserved range description", ranges.POST, "POST", () => ({ params: { networkId }, body: { start: "10.0.0.1", end: "10.0.0.2", description: withNul("d") } }), "description"],
  ["POST reserved range start 256.1.1.1", ranges.POST, "POST", () => ({ params: { networkId }, body: { start: "256.1.1.1", end: "10.0.0.2" } }), "start"],
  ["POST reserved range end 10.0.0.256", ranges.POST, "POST", () => ({ params: { networkId }, body: { start: "10.0.0.1", end: "10.0.0.256" } }), "end"],
];

describe("bad text and addresses", () => {
  it.each(badInputs)("%s answers 400 with a field error and changes nothing", async (_what, handler, method, options, field) => {
    const before = await snapshot();
    const r = await call(handler, method, { as: owner, ...options() });
    expect(r.status, JSON.stringify(r.json)).toBe(400);
    expect(r.json.error.code).toBe("validation_failed");
    expect(r.json.error.fields?.[field], JSON.stringify(r.json.error.fields)).toEqual(expect.arrayContaining([expect.any(String)]));
    expect(await snapshot()).toBe(before);
  });

  it("still takes line breaks in a description, and plain text anywhere", async () => {
    const r = await call(network.PATCH, "PATCH", { as: owner, params: { networkId }, body: { description: "first line\nsecond\tline" } });
    expect(r.status).toBe(200);
    expect(r.json.network.description).toBe("first line\nsecond\tline");
    const search = await call(networkAudit.GET, "GET", { as: owner, params: { networkId }, query: { q: "grüße 東京" } });
    expect(search.status).toBe(200);
  });
});

/** [what, handler, method, the params, a body if the route takes one] */
type IdCase = [string, Handler, string, () => Record<string, string>, unknown?];
const bad = "not-a-uuid";

const badIds: IdCase[] = [
  ["GET network", network.GET, "GET", () => ({ networkId: bad })],
  ["GET network nodes", nodes.GET, "GET", () => ({ networkId: bad })],
  ["GET leases", leases.GET, "GET", () => ({ networkId: `${networkId}x` })],
  ["PATCH member", member.PATCH, "PATCH", () => ({ networkId, memberId: bad }), { role: "viewer" }],
  ["DELETE member", member.DELETE, "DELETE", () => ({ networkId, memberId: bad })],
  ["PATCH group", group.PATCH, "PATCH", () => ({ networkId, groupId: bad }), { description: "x" }],
  ["DELETE group", group.DELETE, "DELETE", () => ({ networkId, groupId: bad })],
  ["GET node", node.GET, "GET", () => ({ networkId, nodeId: bad })],
  ["PATCH node", node.PATCH, "PATCH", () => ({ networkId, nodeId: bad }), { description: "x" }],
  ["DELETE node", node.DELETE, "DELETE", () => ({ networkId, nodeId: bad })],
  ["POST node approve", nodeApprove.POST, "POST", () => ({ networkId, nodeId: bad })],
  ["POST node block", nodeBlock.POST, "POST", () => ({ networkId, nodeId: bad })],
  ["POST node certificate", nodeCert.POST, "POST", () => ({ networkId, nodeId: bad }), { publicKeyPem: "x" }],
  ["POST node bundle", nodeBundle.POST, "POST", () => ({ networkId, nodeId: bad }), {}],
  ["GET node config", nodeConfig.GET, "GET", () => ({ networkId, nodeId: bad })],
  ["PUT rule", rule.PUT, "PUT", () => ({ networkId, ruleId: bad }), rule443],
  ["DELETE rule", rule.DELETE, "DELETE", () => ({ networkId, ruleId: bad })],
  ["POST rule move", ruleMove.POST, "POST", () => ({ networkId, ruleId: bad }), { direction: "up" }],
  ["POST certificate revoke", revoke.POST, "POST", () => ({ networkId, certificateId: bad }), { reason: "lost" }],
  ["POST link revoke", linkRevoke.POST, "POST", () => ({ networkId, linkId: bad })],
  ["DELETE reserved range", range.DELETE, "DELETE", () => ({ networkId, rangeId: bad })],
];

describe("ids in paths that are not UUIDs", () => {
  it.each(badIds)("%s answers 404", async (_what, handler, method, params, body) => {
    const before = await snapshot();
    const r = await call(handler, method, { as: owner, params: params(), ...(body === undefined ? {} : { body }) });
    expect(r.status, JSON.stringify(r.json)).toBe(404);
    expect(r.json.error.code).toBe("not_found");
    expect(await snapshot()).toBe(before);
  });
});
