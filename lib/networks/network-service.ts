/** Creating, changing and deleting networks. Each mutation and its audit event share one transaction. */
import { advisoryLock, db, transaction, type Tx } from "@/lib/db/client";
import { recordAudit } from "@/lib/audit/record-audit";
import { AppError } from "@/lib/core/app-error";
import type { RequestMeta } from "@/lib/core/request-meta";
import type { Actor } from "@/lib/auth/session";
import { cidrsOverlap, parseNetworkCidr, type Ipv4Cidr } from "@/lib/ipam/cidr";
import { cidr6FitsIpv4, cidrs6Overlap, storedCidr6 } from "@/lib/ipam/cidr6";
import { createCa } from "@/lib/pki/certificate-authority";
import { lockOutRotation } from "@/lib/pki/key-rotation";
import { nebulaCert } from "@/lib/pki/nebula-cert";
import { createDefaultRules } from "@/lib/firewall/rule-store";
import { randomUUID } from "node:crypto";
import { bumpConfigRevision } from "./config-revision";
import { bestRole, type MemberRole } from "@/lib/auth/roles";
import { keycloakGroupsOf } from "./group-grant-service";
import { IPV6_NEEDS_V2, type NetworkCreateInput, type NetworkUpdateInput, type NebulaTargetText } from "./network-schemas";
import { resignHostsForIpv6 } from "./ipv6-resign";
import type { FirewallAction } from "@/lib/config/render-node-config";

export const targetToDb = { "1.6": "v1_6", "1.7": "v1_7", "1.10": "v1_10" } as const satisfies Record<NebulaTargetText, string>;
export const targetFromDb = { v1_6: "1.6", v1_7: "1.7", v1_10: "1.10" } as const;

export interface NetworkSummary {
  id: string;
  name: string;
  /** The IPv4 range; null on an IPv6-only network. */
  cidr: string | null;
  cidr6: string | null;
  description: string;
  createdAt: string;
  role: "owner" | "admin" | "viewer" | null;
  memberCount: number;
}

/** Test hook: lets an integration test fail a transaction after its writes, to prove they roll back. */
export const testHooks: { afterNetworkWrite?: (tx: Tx) => Promise<void> } = {};

/** The API's view of a network row (no BigInt cursor, which JSON cannot carry). */
export function toNetworkView(n: { id: string; name: string; cidr: string | null; cidr6?: string | null; description: string; createdAt: Date; certVersion: number; nebulaTarget: keyof typeof targetFromDb; configRevision: number; pollSeconds: number; inboundAction: FirewallAction; outboundAction: FirewallAction }) {
  return {
    id: n.id,
    name: n.name,
    cidr: n.cidr,
    /** The IPv6 range of a dual-stack or IPv6-only network, or null. */
    cidr6: n.cidr6 ?? null,
    description: n.description,
    createdAt: n.createdAt.toISOString(),
    certVersion: n.certVersion,
    nebulaTarget: targetFromDb[n.nebulaTarget],
    configRevision: n.configRevision,
    pollSeconds: n.pollSeconds,
    inboundAction: n.inboundAction,
    outboundAction: n.outboundAction,
  };
}

/** GET /networks/{id}: the network's settings as the API shows them (and who created it). */
export async function getNetworkView(networkId: string) {
  const row = await db.network.findUniqueOrThrow({ where: { id: networkId } });
  return { ...toNetworkView(row), createdById: row.createdById };
}

function toCidr(text: string): Ipv4Cidr {
  const parsed = parseNetworkCidr(text);
  if (!parsed.ok) throw new Error(`stored CIDR ${text} is invalid`);
  return parsed.cidr;
}

/** The caller's networks (and, for a system admin, everyone else's, read-only); for an API token limited to one network, that one. */
export async function listNetworksFor(actor: Actor): Promise<NetworkSummary[]> {
  // Networks granted to one of the user's Keycloak groups count as theirs (as authorizeNetwork has it).
  const groups = await keycloakGroupsOf(actor.id);
  const networks = await db.network.findMany({
    where: {
      ...(actor.systemRole === "admin" ? {} : { OR: [{ members: { some: { userId: actor.id } } }, { groupGrants: { some: { groupName: { in: groups } } } }] }),
      ...(actor.token?.networkId ? { id: actor.token.networkId } : {}),
    },
    include: {
      members: { where: { userId: actor.id }, select: { role: true } },
      groupGrants: { where: { groupName: { in: groups } }, select: { role: true } },
      _count: { select: { members: true } },
    },
    orderBy: [{ name: "asc" }, { createdAt: "asc" }],
  });
  return networks.map((n) => ({
    id: n.id,
    name: n.name,
    cidr: n.cidr,
    cidr6: n.cidr6,
    description: n.description,
    createdAt: n.createdAt.toISOString(),
    role: n.groupGrants.reduce<MemberRole | null>((best, g) => bestRole(best, g.role), n.members[0]?.role ?? null),
    memberCount: n._count.members,
  }));
}

/** CIDRs of the networks `userId` belongs to, for the overlap rule and for suggestions. */
export async function memberCidrs(userId: string, client: Pick<Tx, "network"> = db): Promise<Array<{ name: string; cidr: Ipv4Cidr }>> {
  const rows = await client.network.findMany({ where: { members: { some: { userId } }, cidr: { not: null } }, select: { name: true, cidr: true } });
  return rows.map((r) => ({ name: r.name, cidr: toCidr(r.cidr!) }));
}

export async function createNetwork(actor: Actor, input: NetworkCreateInput, meta: RequestMeta) {
  if (actor.token?.networkId) throw new AppError("forbidden", "An API token limited to one network cannot create networks");
  // One of the two is set (the schema says so): no IPv4 range makes an IPv6-only network.
  const cidr = input.cidr ? toCidr(input.cidr) : null;
  const cidr6 = input.cidr6 ? storedCidr6(input.cidr6) : null;
  if (input.certVersion === 2 && !(await nebulaCert().supportsV2())) {
    throw new AppError("validation_failed", "Some fields are not valid", {
      certVersion: ["This server's nebula-cert is older than 1.10 and cannot make v2 certificates"],
      ...(cidr6 ? { cidr6: ["IPv6 addresses need v2 certificates, which this server's nebula-cert (older than 1.10) cannot make"] } : {}),
    });
  }
  // The CA is made before the transaction: if nebula-cert fails nothing has been written, and
  // if the transaction fails the CA, which lived only in memory and a removed temp dir, is gone.
  const ca = await createCa(randomUUID(), { name: input.caName || `${input.name} CA`.slice(0, 64), durationDays: input.caDurationDays, certVersion: input.certVersion });
  // transaction(): room to wait out a master-key rotation, which holds CA inserts back.
  return transaction(async (tx) => {
    await lockOutRotation(tx);
    // Two concurrent creates by one user must not both pass the overlap check.
    await advisoryLock(tx, `user-networks:${actor.id}`);
    const clash = cidr && (await memberCidrs(actor.id, tx)).find((n) => cidrsOverlap(n.cidr, cidr));
    if (clash) {
      throw new AppError("validation_failed", "Some fields are not valid", {
        cidr: [`Overlaps your network "${clash.name}" (${clash.cidr.text})`],
      });
    }
    if (cidr6) {
      // Same rule for the IPv6 ranges: one host may well sit in several of the user's networks.
      const others = await tx.network.findMany({ where: { members: { some: { userId: actor.id } }, cidr6: { not: null } }, select: { name: true, cidr6: true } });
      const clash6 = others.find((n) => cidrs6Overlap(storedCidr6(n.cidr6!), cidr6));
      if (clash6) throw new AppError("validation_failed", "Some fields are not valid", { cidr6: [`Overlaps your network "${clash6.name}" (${clash6.cidr6})`] });
    }
    const network = await tx.network.create({
      data: {
        name: input.name,
        cidr: cidr?.text ?? null,
        cidr6: cidr6?.text ?? null,
        description: input.description,
        createdById: actor.id,
        certVersion: input.certVersion,
        nebulaTarget: targetToDb[input.nebulaTarget],
        members: { create: { userId: actor.id, role: "owner" } },
        cas: { create: ca },
      },
    });
    await createDefaultRules(tx, network.id);
    await recordAudit(tx, {
      actor,
      action: "network.create",
      networkId: network.id,
      target: { type: "network", id: network.id, name: network.name },
      after: { name: network.name, cidr: network.cidr, ...(network.cidr6 ? { cidr6: network.cidr6 } : {}), description: network.description, ca: { name: ca.name, fingerprint: ca.fingerprint, notAfter: ca.notAfter } },
      meta,
    });
    await testHooks.afterNetworkWrite?.(tx);
    return toNetworkView(network);
  });
}

/** Why an IPv6 range, once set, stays (the reason a refused change or removal gives). */
export const CIDR6_FIXED = "The IPv6 range cannot be changed or removed once set: every host's certificate carries an address from it. Create a new network for another range";

/**
 * Checks adding an IPv6 range to `network` with the rules of creation (v2 and 1.10 only, room for
 * every IPv4 host index, no overlap with the user's other networks' IPv6 ranges). Null when there
 * is nothing to add: the same range again, or none asked for on a network without one.
 */
async function cidr6ToAdd(tx: Tx, actor: Actor, network: { id: string; cidr: string | null; cidr6: string | null; certVersion: number; nebulaTarget: string }, value: string | null, signsV2: boolean): Promise<string | null> {
  const refuse = (message: string) => new AppError("validation_failed", "Some fields are not valid", { cidr6: [message] });
  if (network.cidr6) {
    if (value === network.cidr6) return null;
    throw refuse(CIDR6_FIXED);
  }
  if (value === null) return null;
  if (network.certVersion !== 2 || network.nebulaTarget !== targetToDb["1.10"]) throw refuse(IPV6_NEEDS_V2);
  if (!signsV2) throw refuse("IPv6 addresses need v2 certificates, which this server's nebula-cert (older than 1.10) cannot make");
  const cidr6 = storedCidr6(value);
  // A network without an IPv6 range has an IPv4 one (a CHECK constraint): its host indexes must fit.
  const tooSmall = network.cidr ? cidr6FitsIpv4(cidr6, toCidr(network.cidr)) : null;
  if (tooSmall) throw refuse(tooSmall);
  // As at creation: one host may sit in several of the user's networks, and must not see two ranges overlap.
  await advisoryLock(tx, `user-networks:${actor.id}`);
  const others = await tx.network.findMany({ where: { id: { not: network.id }, members: { some: { userId: actor.id } }, cidr6: { not: null } }, select: { name: true, cidr6: true } });
  const clash = others.find((n) => cidrs6Overlap(storedCidr6(n.cidr6!), cidr6));
  if (clash) throw refuse(`Overlaps your network "${clash.name}" (${clash.cidr6})`);
  return cidr6.text;
}

export async function updateNetwork(actor: Actor, networkId: string, input: NetworkUpdateInput, meta: RequestMeta) {
  const { cidr6: cidr6Input, ...settings } = input;
  // Asked before the transaction: the version probe may start nebula-cert.
  const signsV2 = cidr6Input ? await nebulaCert().supportsV2() : false;
  const view = await db.$transaction(async (tx) => {
    // FOR UPDATE: two requests adding a range must not both find the network without one.
    await tx.$queryRaw`SELECT 1 FROM "Network" WHERE id = ${networkId}::uuid FOR UPDATE`;
    const before = await tx.network.findUniqueOrThrow({ where: { id: networkId } });
    const addCidr6 = cidr6Input === undefined ? null : await cidr6ToAdd(tx, actor, before, cidr6Input, signsV2);
    const after = await tx.network.update({ where: { id: networkId }, data: { ...settings, ...(addCidr6 ? { cidr6: addCidr6 } : {}) } });
    // Every poll answer, 304s included, carries the interval; but polls held open (long polling)
    // were promised the old one, and must hear the new one now or hosts would look offline.
    // The actions are rendered into every host's firewall section.
    const actionsChanged = after.inboundAction !== before.inboundAction || after.outboundAction !== before.outboundAction;
    if (after.pollSeconds !== before.pollSeconds || actionsChanged || addCidr6) await bumpConfigRevision(tx, networkId);
    await recordAudit(tx, {
      actor,
      action: "network.update",
      networkId,
      target: { type: "network", id: networkId, name: after.name },
      before: { name: before.name, description: before.description, pollSeconds: before.pollSeconds, inboundAction: before.inboundAction, outboundAction: before.outboundAction, cidr6: before.cidr6 },
      after: { name: after.name, description: after.description, pollSeconds: after.pollSeconds, inboundAction: after.inboundAction, outboundAction: after.outboundAction, cidr6: after.cidr6 },
      meta,
    });
    await testHooks.afterNetworkWrite?.(tx);
    return toNetworkView(after);
  });
  // Hosts signed before the range was set get their IPv6 address now, in batches after the
  // setting committed; setting the same range again continues where an earlier call stopped.
  const ipv6 = cidr6Input && view.cidr6 ? await resignHostsForIpv6(actor, networkId, meta) : null;
  return { network: view, ipv6 };
}

export async function deleteNetwork(actor: Actor, networkId: string, meta: RequestMeta): Promise<void> {
  await db.$transaction(async (tx) => {
    const before = await tx.network.findUniqueOrThrow({ where: { id: networkId } });
    await tx.network.delete({ where: { id: networkId } });
    await recordAudit(tx, {
      actor,
      action: "network.delete",
      networkId,
      target: { type: "network", id: networkId, name: before.name },
      before: { name: before.name, cidr: before.cidr, description: before.description },
      meta,
    });
  });
}
