/**
 * Gathers everything a node's config depends on from the database and hands it to the pure
 * renderer (lib/config/render-node-config.ts).
 */
import { db, type Tx } from "@/lib/db/client";
import { ApiError } from "@/lib/api/api-error";
import { ConfigRenderError, renderNodeConfig, type RenderedConfig } from "@/lib/config/render-node-config";
import { listRules } from "@/lib/firewall/rule-store";
import { intToIpv4 } from "@/lib/ipam/cidr";
import { blocklistFor } from "@/lib/pki/certificate-service";
import { targetFromDb } from "@/lib/networks/network-service";
import type { NodeOverrides } from "./node-schemas";

/** Where the agent and the bundle put the files; the rendered config points at them. */
export const NEBULA_DIR = "/etc/nebula";

export interface NodeConfigResult extends RenderedConfig {
  caPem: string;
  certPem: string;
  revision: number;
}

type Client = Pick<Tx, "network" | "node" | "ca" | "certificate" | "firewallRule">;

export async function renderConfigFor(networkId: string, nodeId: string, opts: { dir?: string; client?: Client } = {}): Promise<NodeConfigResult> {
  const client = opts.client ?? db;
  const dir = opts.dir ?? NEBULA_DIR;
  const network = await client.network.findUniqueOrThrow({ where: { id: networkId } });
  const ca = await client.ca.findFirst({ where: { networkId, active: true }, orderBy: { createdAt: "desc" } });
  const node = await client.node.findFirst({
    where: { id: nodeId, networkId },
    include: { groups: { include: { group: true } }, lease: true, certificates: { where: { revokedAt: null }, orderBy: { createdAt: "desc" }, take: 1 } },
  });
  if (!node) throw new ApiError("not_found", "Node not found");
  const cert = node.certificates[0];
  if (!ca || !cert || !node.lease) throw new ApiError("conflict", `${node.name} has no certificate yet: sign its public key or download a bundle first`);
  const infra = await client.node.findMany({
    where: { networkId, OR: [{ isLighthouse: true }, { isRelay: true }], status: "active", lease: { isNot: null } },
    include: { lease: true },
  });
  const ipOf = (n: { lease: { address: bigint } | null }) => intToIpv4(Number(n.lease!.address));
  try {
    const rendered = renderNodeConfig({
      target: targetFromDb[network.nebulaTarget],
      network: { name: network.name, cidr: network.cidr },
      node: {
        name: node.name,
        ip: ipOf(node),
        groups: node.groups.map((g) => g.group.name),
        isLighthouse: node.isLighthouse,
        isRelay: node.isRelay,
        listenPort: node.listenPort,
        overrides: node.overrides as NodeOverrides,
      },
      pki: { mode: "paths", ca: `${dir}/ca.crt`, cert: `${dir}/host.crt`, key: `${dir}/host.key` },
      lighthouses: infra.filter((n) => n.isLighthouse).map((n) => ({ name: n.name, ip: ipOf(n), endpoints: n.endpoints })),
      relays: infra.filter((n) => n.isRelay).map((n) => ({ name: n.name, ip: ipOf(n) })),
      rules: await listRules(networkId, client),
      blocklist: await blocklistFor(networkId, client),
    });
    return { ...rendered, caPem: ca.certPem, certPem: cert.pem, revision: network.configRevision };
  } catch (error) {
    if (error instanceof ConfigRenderError) throw new ApiError("conflict", `The config for ${node.name} cannot be rendered: ${error.message}`);
    throw error;
  }
}
