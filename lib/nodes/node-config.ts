/**
 * Gathers everything a node's config depends on from the database and hands it to the pure
 * renderer (lib/config/render-node-config.ts).
 *
 * Most of it (CA, lighthouses, relays, rules, blocklist) is the same for every node of a network
 * at a given config revision, so it is loaded once per revision and kept in a small cache keyed
 * by (network, revision). That is derived data, never state: a replica that has not seen a
 * revision simply loads it, and a stale entry can never be served because the revision comes
 * from the database on every poll.
 */
import { db, type Tx } from "@/lib/db/client";
import { hotPathPool } from "@/lib/db/pg-pool";
import { AppError } from "@/lib/core/app-error";
import { ConfigRenderError, dnsResolversFor, renderNodeConfig, type DnsListener, type DnsResolver, type BodyMemo, type RenderedBody, type RenderedConfig, type RenderInput } from "@/lib/config/render-node-config";
import { listRules } from "@/lib/firewall/rule-store";
import { addressSpace, hostAddresses, type AddressSpace } from "@/lib/ipam/address-space";
import { blocklistFor } from "@/lib/pki/certificate-service";
import { targetFromDb } from "@/lib/networks/network-service";
import type { NodeOverrides } from "./node-schemas";

/** Where the agent and the bundle put the files; the rendered config points at them. */
export const NEBULA_DIR = "/etc/nebula";

export interface NodeConfigResult extends RenderedConfig {
  caPem: string;
  certPem: string;
  /** The networks the certificate carries: nebula must restart when they change. */
  certNetworks: string[];
  /** The lighthouse DNS servers this node can query (ConfigPayload.dns). */
  dns: DnsResolver[];
  /** The certificate this bundle carries, recorded with its ETag so that what a host applied is known (CA rotation counts it). */
  certId: string | null;
  revision: number;
}

type Client = Pick<Tx, "network" | "node" | "ca" | "certificate" | "firewallRule">;

export interface NetworkSnapshot {
  /** Which load this is: two loads may carry the same revision yet differ (their queries are not one transaction). */
  serial: number;
  revision: number;
  /** `space`: the ranges parsed once per snapshot, so that a poll's render parses nothing (lib/ipam/address-space.ts). */
  network: { name: string; cidr: string | null; cidr6: string | null; space: AddressSpace; target: RenderInput["target"]; certVersion: 1 | 2; firewallActions: NonNullable<RenderInput["firewallActions"]> };
  /** The trust bundle: every CA not retired, oldest first (during a rotation, both). */
  caPem: string | null;
  lighthouses: RenderInput["lighthouses"];
  relays: RenderInput["relays"];
  rules: RenderInput["rules"];
  blocklist: string[];
  unsafeRoutes: NonNullable<RenderInput["unsafeRoutes"]>;
}

let snapshotSerial = 0;

/** A node's primary overlay address (IPv4, or IPv6 on an IPv6-only network). */
const ipOf = (space: AddressSpace, n: { lease: { address: bigint } | null }) => hostAddresses(space, n.lease!.address).ip;

async function loadSnapshot(client: Client, networkId: string): Promise<NetworkSnapshot> {
  const network = await client.network.findUniqueOrThrow({ where: { id: networkId } });
  const space = addressSpace(network);
  // In parallel on the pool, one after another inside a transaction (one connection, one query at a time).
  const loaders = [
    () => client.ca.findMany({ where: { networkId, state: { not: "retired" } }, orderBy: [{ createdAt: "asc" }, { id: "asc" }], select: { certPem: true } }),
    () => client.node.findMany({ where: { networkId, OR: [{ isLighthouse: true }, { isRelay: true }], status: "active", lease: { isNot: null } }, include: { lease: true } }),
    () => listRules(networkId, client),
    () => blocklistFor(networkId, client),
    () => routedSubnets(client, networkId, space),
  ] as const;
  const [cas, infra, rules, blocklist, unsafeRoutes] = client === db
    ? await Promise.all([loaders[0](), loaders[1](), loaders[2](), loaders[3](), loaders[4]()])
    : [await loaders[0](), await loaders[1](), await loaders[2](), await loaders[3](), await loaders[4]()];
  return {
    serial: ++snapshotSerial,
    revision: network.configRevision,
    network: {
      name: network.name,
      cidr: network.cidr,
      cidr6: network.cidr6,
      space,
      target: targetFromDb[network.nebulaTarget],
      certVersion: network.certVersion === 2 ? 2 : 1,
      firewallActions: { inbound: network.inboundAction, outbound: network.outboundAction },
    },
    // Nebula reads every PEM block of pki.ca (and reloads it on SIGHUP), so a rotation's two CAs
    // are trusted side by side. A stable order keeps the ETag unchanged while the set is.
    caPem: cas.length ? cas.map((c) => (c.certPem.endsWith("\n") ? c.certPem : `${c.certPem}\n`)).join("") : null,
    lighthouses: infra.filter((n) => n.isLighthouse).map((n) => ({ name: n.name, ip: ipOf(space, n), endpoints: n.endpoints, dns: dnsListenerOf(n, ipOf(space, n)) })),
    relays: infra.filter((n) => n.isRelay).map((n) => ({ name: n.name, ip: ipOf(space, n) })),
    rules,
    blocklist,
    unsafeRoutes,
  };
}

/**
 * The subnets active hosts route, as their live certificates carry them (not as the node rows
 * say): a peer's nebula accepts a routed packet only from a host whose certificate names it.
 */
async function routedSubnets(client: Client, networkId: string, space: AddressSpace): Promise<NetworkSnapshot["unsafeRoutes"]> {
  const certs = await client.certificate.findMany({
    where: { networkId, revokedAt: null, NOT: { unsafeNetworks: { isEmpty: true } }, node: { status: "active", lease: { isNot: null } } },
    select: { unsafeNetworks: true, node: { select: { lease: { select: { address: true } } } } },
  });
  const routes = new Map<string, string>();
  for (const c of certs) for (const route of c.unsafeNetworks) routes.set(route, ipOf(space, c.node!));
  return [...routes].map(([route, via]) => ({ route, via }));
}

const SNAPSHOT_CACHE_SIZE = 256;
const snapshots = new Map<string, Promise<NetworkSnapshot>>();

/**
 * The network's snapshot at `revision` (or newer). Concurrent polls share one load. Only the
 * plain client is cached: a transaction may see uncommitted changes.
 */
export async function snapshotFor(networkId: string, revision: number | undefined, client: Client | undefined): Promise<NetworkSnapshot> {
  if (client || revision === undefined) return loadSnapshot(client ?? db, networkId);
  const cached = snapshots.get(networkId);
  if (cached) {
    const snap = await cached.catch(() => null);
    if (snap && snap.revision >= revision) return snap;
  }
  const loading = loadSnapshot(db, networkId);
  snapshots.delete(networkId);
  snapshots.set(networkId, loading);
  if (snapshots.size > SNAPSHOT_CACHE_SIZE) snapshots.delete(snapshots.keys().next().value!);
  loading.catch(() => snapshots.delete(networkId));
  return loading;
}

/** What rendering needs of one node besides its network's snapshot: the renderer's node, and its certificate. */
export type NodeRenderFields = RenderInput["node"] & {
  /** The nebula version the host reports (the config is written for it); null or absent: not reported, the network's target decides. */
  nebulaVersion?: string | null;
  /** Its newest unrevoked certificate, if any. */
  cert: { pem: string; ip: string; ip6?: string | null; unsafeNetworks: string[]; id?: string } | null;
};

/**
 * What rendering needs of a node (besides its certificate), as SQL columns over "Node" n: for the
 * polls' hot path, which reads them with plain pg instead of Prisma's nested include.
 */
export const RENDER_FIELD_COLUMNS = `n.name, n."isLighthouse", n."isRelay", n."listenPort", n.overrides, n."serveDns", n."dnsHost", n."dnsPort",
  (SELECT l.address::text FROM "Lease" l WHERE l."nodeId" = n.id) AS "leaseAddress",
  ARRAY(SELECT g.name FROM "NodeGroup" ng JOIN "Group" g ON g.id = ng."groupId" WHERE ng."nodeId" = n.id) AS groups`;

export interface RenderFieldRow {
  name: string;
  isLighthouse: boolean;
  isRelay: boolean;
  listenPort: number | null;
  overrides: NodeOverrides;
  leaseAddress: string | null;
  groups: string[];
  serveDns: boolean;
  dnsHost: string | null;
  dnsPort: number;
}

/** A lighthouse's DNS listener as nebula gets it: a null host means its overlay address. */
export function dnsListenerOf(n: { serveDns: boolean; dnsHost: string | null; dnsPort: number }, ip: string): DnsListener | null {
  return n.serveDns ? { host: n.dnsHost ?? ip, port: n.dnsPort } : null;
}

export function renderFieldsFrom(row: RenderFieldRow, cert: NodeRenderFields["cert"], space: AddressSpace): NodeRenderFields {
  if (row.leaseAddress === null) throw new AppError("conflict", `${row.name} has no certificate yet: sign its public key or download a bundle first`);
  const ip = hostAddresses(space, BigInt(row.leaseAddress)).ip;
  return {
    name: row.name,
    ip,
    groups: row.groups,
    isLighthouse: row.isLighthouse,
    isRelay: row.isRelay,
    listenPort: row.listenPort,
    overrides: row.overrides,
    dns: dnsListenerOf(row, ip),
    cert,
  };
}

/** A polling node's config at the revision its poll read: one query for the node, the network's snapshot from the cache. */
export async function renderPolledConfig(networkId: string, nodeId: string, dir: string, revision: number, hostVersion: string | null = null): Promise<NodeConfigResult> {
  const [snapshot, rows] = await Promise.all([
    snapshotFor(networkId, revision, undefined),
    hotPathPool().query<RenderFieldRow & { certPem: string | null; certIp: string | null; certIp6: string | null; certUnsafeNetworks: string[] | null; certId: string | null }>({
      name: "nc-node-render-fields-v4",
      text: `SELECT ${RENDER_FIELD_COLUMNS}, live.pem AS "certPem", live.ip AS "certIp", live.ip6 AS "certIp6", live."unsafeNetworks" AS "certUnsafeNetworks", live.id::text AS "certId" FROM "Node" n
             LEFT JOIN LATERAL (SELECT pem, ip, ip6, "unsafeNetworks", id FROM "Certificate" WHERE "nodeId" = n.id AND "revokedAt" IS NULL ORDER BY "createdAt" DESC LIMIT 1) live ON true
             WHERE n.id = $1 AND n."networkId" = $2`,
      values: [nodeId, networkId],
    }),
  ]);
  const row = rows.rows[0];
  if (!row) throw new AppError("not_found", "Node not found");
  // The version this very poll reports, not the stored one: that may be a poll old.
  return renderFromSnapshot(snapshot, { nebulaVersion: hostVersion, ...renderFieldsFrom(row, row.certPem !== null && row.certIp !== null ? { pem: row.certPem, ip: row.certIp, ip6: row.certIp6, unsafeNetworks: row.certUnsafeNetworks ?? [], id: row.certId ?? undefined } : null, snapshot.network.space) }, dir);
}

/**
 * Config bodies rendered from snapshots, shared by the nodes alike (render-node-config's
 * BodyMemo). One bounded map for the whole process, keyed by the snapshot's serial, so that a
 * snapshot replaced or evicted simply stops being asked for.
 */
const BODY_MEMO_SIZE = 1024;
const bodies = new Map<string, RenderedBody>();

function memoFor(snapshot: NetworkSnapshot): BodyMemo {
  return {
    get: (shape) => bodies.get(`${snapshot.serial}|${shape}`),
    set: (shape, body) => {
      bodies.set(`${snapshot.serial}|${shape}`, body);
      if (bodies.size > BODY_MEMO_SIZE) bodies.delete(bodies.keys().next().value!);
    },
  };
}

/**
 * Renders one node from a snapshot. Bodies are shared through the memo by the snapshot's serial:
 * a snapshot is never changed after its load, so that is safe for every snapshot, cached or not.
 */
export function renderFromSnapshot(snapshot: NetworkSnapshot, node: NodeRenderFields, dir: string): NodeConfigResult {
  const cert = node.cert;
  if (!snapshot.caPem || !cert) throw new AppError("conflict", `${node.name} has no certificate yet: sign its public key or download a bundle first`);
  try {
    const rendered = renderNodeConfig(
      {
        target: snapshot.network.target,
        hostVersion: node.nebulaVersion ?? null,
        certVersion: snapshot.network.certVersion,
        firewallActions: snapshot.network.firewallActions,
        network: { name: snapshot.network.name, cidr: snapshot.network.cidr, cidr6: snapshot.network.cidr6 },
        node,
        pki: { mode: "paths", ca: `${dir}/ca.crt`, cert: `${dir}/host.crt`, key: `${dir}/host.key` },
        lighthouses: snapshot.lighthouses,
        relays: snapshot.relays,
        rules: snapshot.rules,
        blocklist: snapshot.blocklist,
        unsafeRoutes: snapshot.unsafeRoutes,
      },
      memoFor(snapshot),
    );
    // Added to the rendered config, not spread into a new object: spreading would compute the YAML's
    // ETag (a getter, render-node-config.ts) for every poll, which never reads it.
    return Object.assign(rendered, { caPem: snapshot.caPem, certPem: cert.pem, certNetworks: [...new Set([cert.ip, ...(cert.ip6 ? [cert.ip6] : []), ...cert.unsafeNetworks])], dns: dnsResolversFor({ node, lighthouses: snapshot.lighthouses }), certId: cert.id ?? null, revision: snapshot.revision });
  } catch (error) {
    if (error instanceof ConfigRenderError) throw new AppError("conflict", `The config for ${node.name} cannot be rendered: ${error.message}`);
    throw error;
  }
}

export async function renderConfigFor(networkId: string, nodeId: string, opts: { dir?: string; client?: Client; revision?: number } = {}): Promise<NodeConfigResult> {
  const loadNode = () =>
    (opts.client ?? db).node.findFirst({
      where: { id: nodeId, networkId },
      include: { groups: { include: { group: true } }, lease: true, certificates: { where: { revokedAt: null }, orderBy: { createdAt: "desc" }, take: 1 } },
    });
  const [snapshot, node] = opts.client
    ? [await snapshotFor(networkId, opts.revision, opts.client), await loadNode()]
    : await Promise.all([snapshotFor(networkId, opts.revision, undefined), loadNode()]);
  if (!node) throw new AppError("not_found", "Node not found");
  const cert = node.certificates[0];
  if (!node.lease) throw new AppError("conflict", `${node.name} has no certificate yet: sign its public key or download a bundle first`);
  const fields: NodeRenderFields = {
    name: node.name,
    ip: ipOf(snapshot.network.space, node),
    groups: node.groups.map((g) => g.group.name),
    isLighthouse: node.isLighthouse,
    isRelay: node.isRelay,
    listenPort: node.listenPort,
    overrides: node.overrides as NodeOverrides,
    dns: dnsListenerOf(node, ipOf(snapshot.network.space, node)),
    // As the host last reported it: what its next poll renders too, unless it changed version.
    nebulaVersion: node.nebulaVersion,
    cert: cert ? { pem: cert.pem, ip: cert.ip, ip6: cert.ip6, unsafeNetworks: cert.unsafeNetworks, id: cert.id } : null,
  };
  return renderFromSnapshot(snapshot, fields, opts.dir ?? NEBULA_DIR);
}
