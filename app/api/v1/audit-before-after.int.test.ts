/**
 * Every update-like change, made through its route handler, leaves an audit row that says what
 * the thing was before and what it is after, and the two differ: a reviewer reading the trail (or
 * its export) must see the change itself, not only that something happened.
 */
import { beforeAll, describe, expect, it } from "vitest";
import * as networks from "./networks/route";
import * as network from "./networks/[networkId]/route";
import * as members from "./networks/[networkId]/members/route";
import * as member from "./networks/[networkId]/members/[memberId]/route";
import * as groups from "./networks/[networkId]/groups/route";
import * as group from "./networks/[networkId]/groups/[groupId]/route";
import * as nodes from "./networks/[networkId]/nodes/route";
import * as node from "./networks/[networkId]/nodes/[nodeId]/route";
import * as approve from "./networks/[networkId]/nodes/[nodeId]/approve/route";
import * as block from "./networks/[networkId]/nodes/[nodeId]/block/route";
import * as rules from "./networks/[networkId]/rules/route";
import * as rule from "./networks/[networkId]/rules/[ruleId]/route";
import * as ruleMove from "./networks/[networkId]/rules/[ruleId]/move/route";
import * as icmp from "./networks/[networkId]/rules/icmp/route";
import * as links from "./networks/[networkId]/links/route";
import * as linkRevoke from "./networks/[networkId]/links/[linkId]/revoke/route";
import * as revoke from "./networks/[networkId]/certificates/[certificateId]/revoke/route";
import { db } from "@/lib/db/client";
import { hostKeyPair } from "@/lib/testing/nebula-tools";
import { call, createTestUser, freshCidr, type TestUser } from "@/lib/testing/api-harness";

let owner: TestUser;
let other: TestUser;
let networkId: string;
let pub: string;

beforeAll(async () => {
  owner = await createTestUser({ name: "audit-owner" });
  other = await createTestUser({ name: "audit-other" });
  networkId = (await call(networks.POST, "POST", { as: owner, body: { name: "audit-ba", cidr: freshCidr() } })).json.network.id;
  pub = (await hostKeyPair()).publicKeyPem;
});

type Step = [action: string, run: () => Promise<{ status: number }>];

async function latest(action: string) {
  return db.auditEvent.findFirstOrThrow({ where: { networkId, action }, orderBy: [{ createdAt: "desc" }, { id: "desc" }] });
}

describe("audit rows of updates carry before and after", () => {
  const steps: Step[] = [
    ["network.update", () => call(network.PATCH, "PATCH", { as: owner, params: { networkId }, body: { name: "audit-ba-renamed", pollSeconds: 30 } })],
    [
      "group.update",
      async () => {
        const groupId = (await call(groups.POST, "POST", { as: owner, params: { networkId }, body: { name: "web" } })).json.group.id;
        return call(group.PATCH, "PATCH", { as: owner, params: { networkId, groupId }, body: { name: "www" } });
      },
    ],
    [
      "node.update",
      async () => {
        const nodeId = (await call(nodes.POST, "POST", { as: owner, params: { networkId }, body: { name: "n1", groups: ["www"], publicKeyPem: pub } })).json.node.id;
        return call(node.PATCH, "PATCH", { as: owner, params: { networkId, nodeId }, body: { description: "front door" } });
      },
    ],
    [
      "rule.update",
      async () => {
        const ruleId = (await call(rules.POST, "POST", { as: owner, params: { networkId }, body: { direction: "inbound", port: "443", proto: "tcp", peer: { kind: "any" } } })).json.rule.id;
        return call(rule.PUT, "PUT", { as: owner, params: { networkId, ruleId }, body: { direction: "inbound", port: "8443", proto: "tcp", peer: { kind: "any" } } });
      },
    ],
    [
      "rule.move",
      async () => {
        const first = await db.firewallRule.findFirstOrThrow({ where: { networkId }, orderBy: { position: "asc" } });
        return call(ruleMove.POST, "POST", { as: owner, params: { networkId, ruleId: first.id }, body: { direction: "down" } });
      },
    ],
    ["rule.icmp", () => call(icmp.PUT, "PUT", { as: owner, params: { networkId }, body: { enabled: false } })],
    [
      "member.role",
      async () => {
        const added = await call(members.POST, "POST", { as: owner, params: { networkId }, body: { userId: other.id, role: "viewer" } });
        return call(member.PATCH, "PATCH", { as: owner, params: { networkId, memberId: added.json.member.id }, body: { role: "admin" } });
      },
    ],
    [
      "link.revoke",
      async () => {
        const linkId = (await call(links.POST, "POST", { as: owner, params: { networkId }, body: { description: "one" } })).json.link.id;
        return call(linkRevoke.POST, "POST", { as: owner, params: { networkId, linkId } });
      },
    ],
    [
      "certificate.revoke",
      async () => {
        const cert = await db.certificate.findFirstOrThrow({ where: { networkId, revokedAt: null } });
        return call(revoke.POST, "POST", { as: owner, params: { networkId, certificateId: cert.id }, body: { reason: "lost laptop" } });
      },
    ],
    [
      "node.approve",
      async () => {
        const nodeId = (await call(nodes.POST, "POST", { as: owner, params: { networkId }, body: { name: "n2" } })).json.node.id;
        await db.node.update({ where: { id: nodeId }, data: { pendingPublicKeyPem: pub } });
        return call(approve.POST, "POST", { as: owner, params: { networkId, nodeId } });
      },
    ],
    [
      "node.block",
      async () => {
        const n2 = await db.node.findFirstOrThrow({ where: { networkId, name: "n2" } });
        return call(block.POST, "POST", { as: owner, params: { networkId, nodeId: n2.id } });
      },
    ],
  ];

  it.each(steps)("%s", async (action, run) => {
    const r = await run();
    expect(r.status).toBeLessThan(300);
    const row = await latest(action);
    expect(row.before, `${action} has no before`).not.toBeNull();
    expect(row.after, `${action} has no after`).not.toBeNull();
    expect(row.before).not.toEqual(row.after);
  });
});
