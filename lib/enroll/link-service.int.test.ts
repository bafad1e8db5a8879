import { beforeAll, describe, expect, it } from "vitest";
import * as networks from "@/app/api/v1/networks/route";
import * as links from "@/app/api/v1/networks/[networkId]/links/route";
import * as revokeLinkRoute from "@/app/api/v1/networks/[networkId]/links/[linkId]/revoke/route";
import * as nodes from "@/app/api/v1/networks/[networkId]/nodes/route";
import * as reservedRanges from "@/app/api/v1/networks/[networkId]/reserved-ranges/route";
import { db } from "@/lib/db/client";
import { ipv4ToInt } from "@/lib/ipam/cidr";
import { call, createTestUser, freshCidr, type TestUser } from "@/lib/testing/api-harness";

let admin: TestUser;
let networkId: string;
/** The network's first three octets, e.g. "10.1.7." for 10.1.7.0/24. */
let prefix: string;

const createLink = (body: Record<string, unknown>) => call(links.POST, "POST", { as: admin, params: { networkId }, body });

beforeAll(async () => {
  admin = await createTestUser();
  const cidr = freshCidr();
  prefix = cidr.replace(/0\/24$/, "");
  networkId = (await call(networks.POST, "POST", { as: admin, body: { name: "links-net", cidr } })).json.network.id;
  // What the link must not collide with: a node's lease and name, a reserved range, a held address,
  // and fixed values already promised by active links.
  const node = await call(nodes.POST, "POST", { as: admin, params: { networkId }, body: { name: "db1", ip: `${prefix}10` } });
  expect(node.status, JSON.stringify(node.json)).toBe(201);
  const range = await call(reservedRanges.POST, "POST", { as: admin, params: { networkId }, body: { start: `${prefix}200`, end: `${prefix}210` } });
  expect(range.status, JSON.stringify(range.json)).toBe(201);
  await db.lease.create({ data: { networkId, address: BigInt(ipv4ToInt(`${prefix}20`)), nodeId: null, quarantinedUntil: new Date(Date.now() + 3_600_000) } });
  expect((await createLink({ fixedIp: `${prefix}30` })).status).toBe(201);
  expect((await createLink({ fixedName: "web-promised" })).status).toBe(201);
  // Links that can no longer be used promise nothing.
  const revoked = await createLink({ fixedIp: `${prefix}40`, fixedName: "web-revoked" });
  await call(revokeLinkRoute.POST, "POST", { as: admin, params: { networkId, linkId: revoked.json.link.id } });
  const expired = await createLink({ fixedIp: `${prefix}41`, fixedName: "web-expired" });
  await db.enrollLink.update({ where: { id: expired.json.link.id }, data: { expiresAt: new Date(Date.now() - 1000) } });
});

describe("a join link's fixed address and name are checked when it is made", () => {
  const cases: Array<[string, () => Record<string, unknown>, "fixedIp" | "fixedName" | null, RegExp?]> = [
    ["an address outside the network", () => ({ fixedIp: "192.168.255.7" }), "fixedIp", /outside/],
    ["not an address at all", () => ({ fixedIp: "10.1.2" }), "fixedIp", /IPv4/],
    ["the network address", () => ({ fixedIp: `${prefix}0` }), "fixedIp", /network address/],
    ["the broadcast address", () => ({ fixedIp: `${prefix}255` }), "fixedIp", /broadcast/],
    ["an address in a reserved range", () => ({ fixedIp: `${prefix}205` }), "fixedIp", /reserved/],
    ["an address leased to a node", () => ({ fixedIp: `${prefix}10` }), "fixedIp", /already leased/],
    ["an address held until an old certificate expires", () => ({ fixedIp: `${prefix}20` }), "fixedIp", /held/],
    ["an address promised to another unused link", () => ({ fixedIp: `${prefix}30` }), "fixedIp", /another join link/],
    ["a name a node already has", () => ({ fixedName: "DB1" }), "fixedName", /already exists/],
    ["a name promised to another unused link", () => ({ fixedName: "web-promised" }), "fixedName", /another join link/],
    ["a free address", () => ({ fixedIp: `${prefix}50` }), null],
    ["a free name", () => ({ fixedName: "web-free" }), null],
    ["an address and name only a revoked link had", () => ({ fixedIp: `${prefix}40`, fixedName: "web-revoked" }), null],
    ["an address and name only an expired link had", () => ({ fixedIp: `${prefix}41`, fixedName: "web-expired" }), null],
  ];

  it.each(cases)("%s", async (_label, body, field, message) => {
    const r = await createLink(body());
    if (field === null) {
      expect(r.status, JSON.stringify(r.json)).toBe(201);
      return;
    }
    expect(r.status, JSON.stringify(r.json)).toBe(400);
    expect(r.json.error.code).toBe("validation_failed");
    expect(r.json.error.fields[field]?.[0]).toMatch(message!);
  });

  it("two links racing for one address: only one is made", async () => {
    const results = await Promise.all([createLink({ fixedIp: `${prefix}60` }), createLink({ fixedIp: `${prefix}60` })]);
    expect(results.map((r) => r.status).sort()).toEqual([201, 400]);
    expect(await db.enrollLink.count({ where: { networkId, fixedIp: `${prefix}60` } })).toBe(1);
  });
});
