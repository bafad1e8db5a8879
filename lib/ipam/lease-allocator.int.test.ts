import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { beforeAll, describe, expect, it } from "vitest";
import * as networks from "@/app/api/v1/networks/route";
import { db, transaction } from "@/lib/db/client";
import { call, createTestUser, type TestUser } from "@/lib/testing/api-harness";
import { AppError } from "@/lib/core/app-error";
import { ipv4ToInt } from "./cidr";
import { allocateLease, CLAIM_SECONDS, claimLease, releaseClaimedLease, releaseLease } from "./lease-allocator";

const run = promisify(execFile);
let user: TestUser;
let seq = 0;

beforeAll(async () => {
  user = await createTestUser();
});

async function newNetwork(cidr: string) {
  const r = await call(networks.POST, "POST", { as: user, body: { name: `ipam-${++seq}`, cidr } });
  expect(r.status).toBe(201);
  return { id: r.json.network.id as string, cidr, cidr6: null };
}

async function allocate(network: { id: string; cidr: string; cidr6: null }, ip?: string) {
  return transaction(async (tx) => {
    const node = await tx.node.create({ data: { networkId: network.id, name: `n${Date.now()}${Math.random().toString(36).slice(2, 8)}`, endpoints: [] } });
    return { ...(await allocateLease(tx, network, node.id, ip)), nodeId: node.id };
  });
}

describe("claimed addresses (enrollment signs without the lease lock)", () => {
  // Giving a claim to its node is part of enrollment's write (enroll-statements.ts, tested in enroll.int.test.ts).
  it("holds a claim from other allocations, and returns a released one first", async () => {
    const net = await newNetwork("10.200.9.0/29"); // hosts .1-.6
    const claim = await claimLease(net);
    expect(claim.ip).toBe("10.200.9.1");
    // Held while the enrollment signs: the next allocation takes the next address.
    expect((await allocate(net)).ip).toBe("10.200.9.2");
    const second = await claimLease(net);
    expect(second.ip).toBe("10.200.9.3");
    // Held for CLAIM_SECONDS, like a quarantined address, and by no node.
    const held = await db.lease.findUniqueOrThrow({ where: { id: claim.leaseId } });
    expect(held.nodeId).toBeNull();
    expect(held.quarantinedUntil!.getTime()).toBeGreaterThan(Date.now() + (CLAIM_SECONDS - 30) * 1000);
    // A failed enrollment returns its claim at once, and it is the next address handed out.
    await releaseClaimedLease(net.id, second.leaseId);
    expect(await db.lease.findUnique({ where: { id: second.leaseId } })).toBeNull();
    expect((await allocate(net)).ip).toBe("10.200.9.3");
  });

  it("claims a requested address, and refuses one already leased or claimed", async () => {
    const net = await newNetwork("10.200.11.0/29");
    const claim = await claimLease(net, "10.200.11.5");
    expect(claim.ip).toBe("10.200.11.5");
    await expect(claimLease(net, "10.200.11.5")).rejects.toMatchObject({ fields: { ip: [expect.stringMatching(/held until/)] } });
    expect((await allocate(net, "10.200.11.4")).ip).toBe("10.200.11.4");
    await expect(claimLease(net, "10.200.11.4")).rejects.toMatchObject({ fields: { ip: [expect.stringMatching(/already leased/)] } });
    // A refused claim holds nothing, and leaves the lock free for the next one.
    expect((await claimLease(net)).ip).toBe("10.200.11.1");
  });

  it("takes back a claim whose enrollment never finished, once it expires", async () => {
    const net = await newNetwork("10.200.10.0/30"); // hosts .1-.2
    const stale = await claimLease(net);
    await claimLease(net);
    await expect(claimLease(net)).rejects.toThrow(/No free addresses/);
    // As if its process had died long ago.
    await db.lease.update({ where: { id: stale.leaseId }, data: { quarantinedUntil: new Date(Date.now() - 1_000) } });
    expect((await allocate(net)).ip).toBe(stale.ip);
  });
});

describe("lease allocation", () => {
  it("hands out the lowest free host address, skipping the network address and reserved ranges", async () => {
    const net = await newNetwork("10.200.1.0/29"); // hosts .1-.6
    await db.reservedRange.create({ data: { networkId: net.id, start: BigInt(ipv4ToInt("10.200.1.2")), end: BigInt(ipv4ToInt("10.200.1.3")) } });
    const ips = [];
    for (let i = 0; i < 4; i++) ips.push((await allocate(net)).ip);
    expect(ips).toEqual(["10.200.1.1", "10.200.1.4", "10.200.1.5", "10.200.1.6"]);
    // Broadcast (.7) is never handed out: the range is full.
    await expect(allocate(net)).rejects.toThrow(/No free addresses left in 10.200.1.0\/29/);
    expect(await db.node.count({ where: { networkId: net.id } })).toBe(4); // the failed allocation rolled back its node
  });

  it("walks past static addresses and back-to-back reserved ranges in one allocation", async () => {
    const net = await newNetwork("10.200.12.0/28"); // hosts .1-.14
    const at = (ip: string) => BigInt(ipv4ToInt(ip));
    await db.reservedRange.createMany({
      data: [
        { networkId: net.id, start: at("10.200.12.2"), end: at("10.200.12.3") },
        { networkId: net.id, start: at("10.200.12.4"), end: at("10.200.12.4") },
        { networkId: net.id, start: at("10.200.12.7"), end: at("10.200.12.8") },
      ],
    });
    await allocate(net, "10.200.12.5");
    await allocate(net, "10.200.12.6");
    const ips = [];
    for (let i = 0; i < 3; i++) ips.push((await allocate(net)).ip);
    // .1, then past two adjacent ranges to .5 (static), .6 (static), the range .7-.8, and .9.
    expect(ips).toEqual(["10.200.12.1", "10.200.12.9", "10.200.12.10"]);
  });

  it("claims in a committed statement of its own: another connection sees the claim at once", async () => {
    const net = await newNetwork("10.200.13.0/29");
    const claim = await claimLease(net);
    const row = await db.lease.findUniqueOrThrow({ where: { id: claim.leaseId } });
    expect(row).toMatchObject({ nodeId: null, address: BigInt(ipv4ToInt(claim.ip)) });
    expect(row.quarantinedUntil!.getTime()).toBeGreaterThan(Date.now() + (CLAIM_SECONDS - 60) * 1000);
    await expect(claimLease({ id: "00000000-0000-4000-8000-000000000000", cidr: "10.9.0.0/24", cidr6: null })).rejects.toThrow(/Network not found/);
  });

  it("reuses a released address, lowest first", async () => {
    const net = await newNetwork("10.200.2.0/24");
    const a = await allocate(net);
    const b = await allocate(net);
    await allocate(net);
    await transaction((tx) => releaseLease(tx, net.id, b.nodeId, null));
    await transaction((tx) => releaseLease(tx, net.id, a.nodeId, null));
    expect((await allocate(net)).ip).toBe("10.200.2.1");
    expect((await allocate(net)).ip).toBe("10.200.2.2");
    expect((await allocate(net)).ip).toBe("10.200.2.4");
  });

  it("holds an address whose certificate is still valid, until it expires", async () => {
    const net = await newNetwork("10.200.3.0/24");
    const a = await allocate(net);
    await transaction((tx) => releaseLease(tx, net.id, a.nodeId, new Date(Date.now() + 3_600_000)));
    expect((await allocate(net)).ip).toBe("10.200.3.2");
    await expect(allocate(net, "10.200.3.1")).rejects.toThrow(AppError);
    // Once the hold has passed, the address comes back.
    await db.lease.updateMany({ where: { networkId: net.id, nodeId: null }, data: { quarantinedUntil: new Date(Date.now() - 1000) } });
    expect((await allocate(net)).ip).toBe("10.200.3.1");
  });

  it("a static lease that frees expired holds leaves them to the next allocation, lowest first", async () => {
    const net = await newNetwork("10.200.14.0/24");
    const a = await allocate(net);
    await allocate(net);
    await transaction((tx) => releaseLease(tx, net.id, a.nodeId, new Date(Date.now() + 3_600_000)));
    await db.lease.updateMany({ where: { networkId: net.id, nodeId: null }, data: { quarantinedUntil: new Date(Date.now() - 1000) } });
    // This lease's preamble frees .1; the next allocation must still find it.
    expect((await allocate(net, "10.200.14.50")).ip).toBe("10.200.14.50");
    expect((await allocate(net)).ip).toBe("10.200.14.1");
  });

  it("validates a requested static address", async () => {
    const net = await newNetwork("10.200.4.0/24");
    const fieldError = async (ip: string) => {
      const e = await allocate(net, ip).catch((err: unknown) => err);
      expect(e).toBeInstanceOf(AppError);
      return (e as AppError).fields?.ip?.[0];
    };
    expect(await fieldError("10.200.5.1")).toMatch(/outside/);
    expect(await fieldError("10.200.4.0")).toMatch(/network address/);
    expect(await fieldError("10.200.4.255")).toMatch(/broadcast/);
    expect(await fieldError("not-an-ip")).toMatch(/IPv4/);
    expect((await allocate(net, "10.200.4.77")).ip).toBe("10.200.4.77");
    expect(await fieldError("10.200.4.77")).toMatch(/already leased/);
    expect(await db.lease.count({ where: { networkId: net.id } })).toBe(1);
  });

  it("gives 200 concurrent allocations from two separate processes 200 distinct addresses", async () => {
    const net = await newNetwork("10.201.0.0/16");
    const worker = (prefix: string) =>
      run("npx", ["tsx", "lib/ipam/lease-worker.fixture.ts", net.id, "100", prefix], { env: process.env, timeout: 120_000 }).then(
        ({ stdout }) => JSON.parse(stdout.trim().split("\n").pop()!) as { ips: string[]; errors: string[] },
      );
    const [one, two] = await Promise.all([worker("a"), worker("b")]);
    expect([...one.errors, ...two.errors]).toEqual([]);
    const all = [...one.ips, ...two.ips];
    expect(all).toHaveLength(200);
    expect(new Set(all).size).toBe(200);
    // Lowest-first still holds under contention: exactly .0.1 through .0.200.
    expect(all.map(ipv4ToInt).sort((x, y) => x - y).at(-1)).toBe(ipv4ToInt("10.201.0.200"));
  }, 150_000);
});
