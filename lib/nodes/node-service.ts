/**
 * Nodes: create (lease + optional certificate), update (re-sign when the name, groups or address
 * change), delete (revoke, release the lease), sign a host's public key, and bundles. Each runs in
 * one transaction with its audit event; a nebula-cert failure rolls back the lease too.
 */
import { transaction, db, type Tx } from "@/lib/db/client";
import { AppError } from "@/lib/core/app-error";
import { isUuid } from "@/lib/core/ids";
import type { RequestMeta } from "@/lib/core/request-meta";
import type { Actor } from "@/lib/auth/session";
import { recordAudit, type AuditActor } from "@/lib/audit/record-audit";
import { emitWebhookEvent } from "@/lib/webhooks/emit";
import { bumpConfigRevision } from "@/lib/networks/config-revision";
import { allocateLease, releaseLease } from "@/lib/ipam/lease-allocator";
import { addressSpace, hostAddresses } from "@/lib/ipam/address-space";
import { certificateSummary, issueCertificate, revokeCertificate, type IssueRequest } from "@/lib/pki/certificate-service";
import { DNS_NEEDS_LIGHTHOUSE, type NodeCreateInput, type NodeOverrides, type NodeUpdateInput } from "./node-schemas";
import { hostStatus } from "./host-status";
import { checkRouteConflicts } from "./node-routes";
import { hostGroupsGuard } from "@/lib/firewall/host-groups-guard";
import type { PolicyOptions } from "@/lib/firewall/policy-guard";

/** "groups web, db" or "no group", as refusals and the audit trail name a host's groups. */
function groupsText(groups: string[]): string {
  return groups.length ? `group${groups.length > 1 ? "s" : ""} ${[...groups].sort().join(", ")}` : "no group";
}

export const nodeInclude = {
  groups: { include: { group: { select: { name: true } } } },
  lease: { select: { address: true } },
  certificates: { where: { revokedAt: null }, orderBy: { createdAt: "desc" as const }, take: 1 },
  network: { select: { configRevision: true, pollSeconds: true, cidr: true, cidr6: true } },
} as const;


type NodeRow = NonNullable<Awaited<ReturnType<typeof findNodeRow>>>;

function findNodeRow(client: Pick<Tx, "node">, networkId: string, nodeId: string) {
  return client.node.findFirst({ where: { id: nodeId, networkId }, include: nodeInclude });
}

export function toNodeView(row: NodeRow) {
  const addresses = row.lease ? hostAddresses(addressSpace(row.network), row.lease.address) : null;
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    /** Its primary address: IPv4, or IPv6 on an IPv6-only network (lib/ipam/address-space.ts). */
    ip: addresses?.ip ?? null,
    /** Its IPv6 address on a dual-stack or IPv6-only network (null otherwise). */
    ip6: addresses?.ip6 ?? null,
    groups: row.groups.map((g) => g.group.name).sort(),
    isLighthouse: row.isLighthouse,
    isRelay: row.isRelay,
    endpoints: row.endpoints,
    listenPort: row.listenPort,
    overrides: row.overrides as NodeOverrides,
    unsafeNetworks: row.unsafeNetworks,
    serveDns: row.serveDns,
    /** Null: the node's overlay address. */
    dnsHost: row.dnsHost,
    dnsPort: row.dnsPort,
    /** The name a lighthouse's DNS answers for this host: its certificate name (nebula adds no domain). */
    dnsName: row.name,
    status: row.status,
    lastSeenAt: row.lastSeenAt?.toISOString() ?? null,
    /** What the host reported on its polls; `host.state` is "applied" only when it confirmed the latest revision. */
    host: {
      ...hostStatus({ ...row, configRevision: row.network.configRevision, pollSeconds: row.network.pollSeconds }),
      appliedRevision: row.appliedRevision,
      appliedAt: row.appliedAt?.toISOString() ?? null,
      nebulaState: row.nebulaState,
      nebulaVersion: row.nebulaVersion,
      agentVersion: row.agentVersion,
      lastError: row.lastError,
    },
    awaitingApproval: row.status === "pending" && row.pendingPublicKeyPem !== null,
    certificate: certificateSummary(row.certificates[0]),
    createdAt: row.createdAt.toISOString(),
  };
}
export type NodeView = ReturnType<typeof toNodeView>;

export async function listNodes(networkId: string): Promise<NodeView[]> {
  const rows = await db.node.findMany({ where: { networkId }, include: nodeInclude, orderBy: { name: "asc" } });
  return rows.map(toNodeView);
}

export async function getNode(networkId: string, nodeId: string, client: Pick<Tx, "node"> = db): Promise<NodeView> {
  // Pages reach this with the id from their URL, which no wrapper has checked.
  const row = isUuid(nodeId) ? await findNodeRow(client, networkId, nodeId) : null;
  if (!row) throw new AppError("not_found", "Node not found");
  return toNodeView(row);
}

async function groupIds(tx: Tx, networkId: string, names: string[]): Promise<string[]> {
  if (!names.length) return [];
  const rows = await tx.group.findMany({ where: { networkId, name: { in: names } }, select: { id: true, name: true } });
  const missing = names.filter((n) => !rows.some((r) => r.name === n));
  if (missing.length) {
    throw new AppError("validation_failed", "Some fields are not valid", { groups: missing.map((m) => `There is no group "${m}"; create it first`) });
  }
  return rows.map((r) => r.id);
}

async function nameTaken(tx: Tx, networkId: string, name: string, exceptId?: string) {
  const clash = await tx.node.findUnique({ where: { networkId_name: { networkId, name } }, select: { id: true } });
  if (clash && clash.id !== exceptId) throw new AppError("validation_failed", "Some fields are not valid", { name: [`A node named "${name}" already exists`] });
}

/** The node columns an admin edits directly (groups and address are handled on their own). */
type EditableNodeField = "name" | "description" | "isLighthouse" | "isRelay" | "endpoints" | "listenPort" | "overrides" | "serveDns" | "dnsHost" | "dnsPort";

function settingsOf<T extends NodeUpdateInput>(input: T): Pick<T, EditableNodeField> {
  const { name, description, isLighthouse, isRelay, endpoints, listenPort, overrides, serveDns, dnsHost, dnsPort } = input;
  return { name, description, isLighthouse, isRelay, endpoints, listenPort, overrides, serveDns, dnsHost, dnsPort };
}

/**
 * A lighthouse's DNS listens on its own overlay address (reachable only through nebula, so only
 * certified hosts, through the firewall, can query it) or on loopback (for a resolver on the
 * lighthouse itself). Any other address would be an underlay one: there anyone could list the
 * hosts by name, since nebula answers A queries from everyone.
 */
function assertDnsSetting(v: { isLighthouse: boolean; serveDns: boolean; dnsHost: string | null }, ip: string | null): void {
  const fields: Record<string, string[]> = {};
  if (v.serveDns && !v.isLighthouse) fields.serveDns = [DNS_NEEDS_LIGHTHOUSE];
  // Nebula joins the DNS listener's host and port without brackets, so it cannot listen on an
  // IPv6 address: an IPv6-only network's lighthouse has no overlay address to serve DNS on.
  else if (v.serveDns && v.dnsHost === null && ip?.includes(":")) fields.serveDns = ["Lighthouse DNS needs an IPv4 overlay address (nebula cannot listen on IPv6 for DNS): this network is IPv6-only"];
  if (v.dnsHost !== null && v.dnsHost !== ip && !v.dnsHost.startsWith("127.")) {
    fields.dnsHost = [`Use this lighthouse's overlay address${ip ? ` (${ip})` : ""} or a loopback address: any other address is on the underlay, where anyone could list the host names`];
  }
  if (Object.keys(fields).length) throw new AppError("validation_failed", "Some fields are not valid", fields);
}

export async function createNode(actor: Actor, network: { id: string; cidr: string | null; cidr6: string | null }, input: NodeCreateInput, meta: RequestMeta, policy: PolicyOptions = {}) {
  return transaction(async (tx) => {
    await nameTaken(tx, network.id, input.name);
    const ids = await groupIds(tx, network.id, input.groups);
    // A new host in groups can reach, or be reached by, hosts a policy assertion speaks of.
    const guard = input.groups.length ? await hostGroupsGuard(tx, network.id) : null;
    await checkRouteConflicts(tx, network, null, input.unsafeNetworks);
    const node = await tx.node.create({
      data: {
        networkId: network.id,
        ...settingsOf(input),
        unsafeNetworks: input.unsafeNetworks,
        status: input.publicKeyPem ? "active" : "pending",
        groups: { create: ids.map((groupId) => ({ groupId })) },
      },
    });
    const lease = await allocateLease(tx, network, node.id, input.ip);
    assertDnsSetting(input, lease.ipWithPrefix.split("/")[0]!);
    await guard?.check({ actor, meta, options: policy, change: `adding node "${node.name}" in ${groupsText(input.groups)}`, hostsChanged: true });
    if (input.publicKeyPem) {
      await issueCertificate(tx, { networkId: network.id, nodeId: node.id, name: node.name, ipWithPrefix: lease.ipWithPrefix, ip6WithPrefix: lease.ip6WithPrefix, groups: input.groups, unsafeNetworks: input.unsafeNetworks, publicKeyPem: input.publicKeyPem });
    }
    await bumpConfigRevision(tx, network.id);
    const view = await getNode(network.id, node.id, tx);
    await recordAudit(tx, { actor, action: "node.create", networkId: network.id, target: { type: "node", id: node.id, name: node.name }, after: view, meta });
    return view;
  });
}

/**
 * Signs a certificate for the node as the database has it now (name, address, groups) and for
 * `publicKeyPem`, or for a key pair made here when it is null. Every path that signs an existing
 * node (sign, bundle, approve, re-sign, group rename, renewal) goes through this one.
 */
export async function signNodeAsStored(tx: Tx, networkId: string, nodeId: string, publicKeyPem: string | null, supersededReason?: string, extra: Pick<IssueRequest, "ca" | "keepSuperseded"> = {}) {
  const row = await tx.node.findFirst({
    where: { id: nodeId, networkId },
    include: { groups: { include: { group: true } }, lease: true, network: { select: { cidr: true, cidr6: true } } },
  });
  if (!row) throw new AppError("not_found", "Node not found");
  if (!row.lease) throw new AppError("conflict", "This node has no address");
  const addresses = hostAddresses(addressSpace(row.network), row.lease.address);
  const issued = await issueCertificate(tx, {
    networkId,
    nodeId,
    name: row.name,
    ipWithPrefix: addresses.ipWithPrefix,
    ip6WithPrefix: addresses.ip6WithPrefix,
    groups: row.groups.map((g) => g.group.name),
    unsafeNetworks: row.unsafeNetworks,
    publicKeyPem,
    supersededReason,
    ...extra,
  });
  return { node: row, ...issued };
}

/** Re-signs the node's certificate with its stored public key, e.g. after a change of groups. */
export async function resignNode(tx: Tx, networkId: string, nodeId: string): Promise<void> {
  const current = await tx.certificate.findFirst({ where: { nodeId, networkId, revokedAt: null }, orderBy: { createdAt: "desc" } });
  if (current) await signNodeAsStored(tx, networkId, nodeId, current.publicKeyPem);
}

export async function updateNode(actor: Actor, networkId: string, nodeId: string, input: NodeUpdateInput, meta: RequestMeta, policy: PolicyOptions = {}) {
  return transaction(async (tx) => {
    const before = await getNode(networkId, nodeId, tx);
    const groupsChanged = input.groups !== undefined && [...input.groups].sort().join() !== before.groups.join();
    // Moving a host between groups changes what reaches it just as a rule change does.
    const guard = groupsChanged ? await hostGroupsGuard(tx, networkId) : null;
    if (input.name && input.name !== before.name) await nameTaken(tx, networkId, input.name, nodeId);
    const merged = { ...before, ...input };
    if ((merged.isLighthouse || merged.isRelay) && (!merged.endpoints.length || !merged.listenPort)) {
      throw new AppError("validation_failed", "Some fields are not valid", {
        ...(!merged.endpoints.length ? { endpoints: ["A lighthouse or relay needs at least one public endpoint"] } : {}),
        ...(!merged.listenPort ? { listenPort: ["A lighthouse or relay needs a fixed listen port"] } : {}),
      });
    }
    assertDnsSetting(merged, before.ip);
    if (input.groups) {
      const ids = await groupIds(tx, networkId, input.groups);
      await tx.nodeGroup.deleteMany({ where: { nodeId } });
      await tx.nodeGroup.createMany({ data: ids.map((groupId) => ({ nodeId, groupId })) });
      await guard?.check({ actor, meta, options: policy, change: `moving node "${before.name}" from ${groupsText(before.groups)} to ${groupsText(input.groups)}`, hostsChanged: true });
    }
    const routesChanged = input.unsafeNetworks !== undefined && input.unsafeNetworks.join() !== before.unsafeNetworks.join();
    if (routesChanged) await checkRouteConflicts(tx, await tx.network.findUniqueOrThrow({ where: { id: networkId }, select: { id: true, cidr: true, cidr6: true } }), nodeId, input.unsafeNetworks!);
    await tx.node.update({ where: { id: nodeId }, data: { ...settingsOf(input), ...(routesChanged ? { unsafeNetworks: input.unsafeNetworks } : {}) } });
    // The routes are signed into the certificate, so a change of them re-signs it like a change of groups.
    const identityChanged = routesChanged || groupsChanged || (input.name !== undefined && input.name !== before.name);
    if (identityChanged && before.status === "active") await resignNode(tx, networkId, nodeId);
    await bumpConfigRevision(tx, networkId);
    const after = await getNode(networkId, nodeId, tx);
    await recordAudit(tx, { actor, action: "node.update", networkId, target: { type: "node", id: nodeId, name: after.name }, before, after, meta });
    return after;
  });
}

/** Deleting a node revokes its certificate (it must not stay trusted) and frees its address. */
export async function deleteNode(actor: Actor, networkId: string, nodeId: string, meta: RequestMeta): Promise<void> {
  await transaction((tx) => removeNode(tx, actor, networkId, nodeId, "node.delete", meta));
}

/**
 * The deletion itself, shared by an admin's delete and a host retiring itself (--replace). The
 * node's credentials are kept as hashes, so its agent hears "gone" and stops instead of retrying.
 */
export async function removeNode(tx: Tx, actor: AuditActor, networkId: string, nodeId: string, action: "node.delete" | "node.retire", meta: RequestMeta): Promise<void> {
  const before = await getNode(networkId, nodeId, tx);
  const usedBy = await tx.firewallRule.count({ where: { networkId, peerNodeId: nodeId } });
  if (usedBy) throw new AppError("conflict", `${usedBy} firewall rule(s) name this node as their peer; change them first`);
  const live = await tx.certificate.findMany({ where: { nodeId, revokedAt: null } });
  for (const cert of live) await revokeCertificate(tx, networkId, cert.id, action === "node.retire" ? "node replaced by its host" : "node deleted");
  await releaseLease(tx, networkId, nodeId, null);
  const credentials = await tx.nodeCredential.findMany({ where: { nodeId }, select: { tokenHash: true } });
  await tx.retiredCredential.createMany({ data: credentials.map((c) => ({ tokenHash: c.tokenHash, networkId, nodeName: before.name })), skipDuplicates: true });
  await tx.node.delete({ where: { id: nodeId } });
  await bumpConfigRevision(tx, networkId);
  await recordAudit(tx, { actor, action, networkId, target: { type: "node", id: nodeId, name: before.name }, before, meta });
}

/**
 * Signs a public key the host generated itself (the preferred path), or, with `publicKeyPem`
 * null, makes a key pair here for a one-time bundle. Returns the private key only in that case.
 */
export async function issueNodeCertificate(actor: Actor, network: { id: string; cidr: string | null }, nodeId: string, publicKeyPem: string | null, meta: RequestMeta) {
  return transaction(async (tx) => {
    const row = await findNodeRow(tx, network.id, nodeId);
    if (!row) throw new AppError("not_found", "Node not found");
    if (row.status === "blocked") throw new AppError("conflict", "This node is blocked; it needs a new enrollment");
    const { certificate, privateKeyPem } = await signNodeAsStored(tx, network.id, nodeId, publicKeyPem);
    await tx.node.update({ where: { id: nodeId }, data: { status: "active" } });
    await bumpConfigRevision(tx, network.id);
    await recordAudit(tx, {
      actor,
      action: publicKeyPem ? "certificate.sign" : "certificate.bundle",
      networkId: network.id,
      target: { type: "node", id: nodeId, name: row.name },
      after: { fingerprint: certificate.fingerprint, notAfter: certificate.notAfter, groups: certificate.groups, ip: certificate.ip },
      meta,
    });
    return { certificate, privateKeyPem };
  });
}

export async function revokeNodeCertificate(actor: Actor, networkId: string, certificateId: string, reason: string, meta: RequestMeta) {
  return transaction(async (tx) => {
    const cert = await revokeCertificate(tx, networkId, certificateId, reason);
    await bumpConfigRevision(tx, networkId);
    await recordAudit(tx, { actor, action: "certificate.revoke", networkId, target: { type: "certificate", id: cert.id, name: cert.name }, before: { revokedAt: null }, after: { fingerprint: cert.fingerprint, reason, revokedAt: cert.revokedAt }, meta });
    return cert;
  });
}

/**
 * Blocking: the node's certificates join the blocklist (every other node refuses it from its next
 * poll) and its credentials stop working. There is no unblock: the host must enroll again.
 */
export async function blockNode(actor: Actor, networkId: string, nodeId: string, meta: RequestMeta) {
  return transaction(async (tx) => {
    const before = await getNode(networkId, nodeId, tx);
    if (before.status === "blocked") return before;
    const live = await tx.certificate.findMany({ where: { nodeId, revokedAt: null } });
    for (const cert of live) await revokeCertificate(tx, networkId, cert.id, "node blocked");
    await tx.nodeCredential.updateMany({ where: { nodeId, revokedAt: null }, data: { revokedAt: new Date() } });
    await tx.node.update({ where: { id: nodeId }, data: { status: "blocked", pendingPublicKeyPem: null } });
    await bumpConfigRevision(tx, networkId);
    const after = await getNode(networkId, nodeId, tx);
    await recordAudit(tx, { actor, action: "node.block", networkId, target: { type: "node", id: nodeId, name: before.name }, before: { status: before.status }, after: { status: "blocked", revoked: live.map((c) => c.fingerprint) }, meta });
    await emitWebhookEvent(tx, networkId, "node.blocked", { node: { id: nodeId, name: before.name }, revokedFingerprints: live.map((c) => c.fingerprint), actor: { id: actor.id, name: actor.displayName } });
    return after;
  });
}

/** Approving a node that enrolled through an approval link signs the public key it sent. */
export async function approveNode(actor: Actor, network: { id: string; cidr: string | null }, nodeId: string, meta: RequestMeta) {
  return transaction(async (tx) => {
    const row = await findNodeRow(tx, network.id, nodeId);
    if (!row) throw new AppError("not_found", "Node not found");
    if (row.status !== "pending" || !row.pendingPublicKeyPem) throw new AppError("conflict", "This node is not waiting for approval");
    await signNodeAsStored(tx, network.id, nodeId, row.pendingPublicKeyPem);
    await tx.node.update({ where: { id: nodeId }, data: { status: "active", pendingPublicKeyPem: null } });
    await bumpConfigRevision(tx, network.id);
    await recordAudit(tx, { actor, action: "node.approve", networkId: network.id, target: { type: "node", id: nodeId, name: row.name }, before: { status: row.status }, after: { status: "active" }, meta });
    return getNode(network.id, nodeId, tx);
  });
}
