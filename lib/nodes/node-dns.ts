/**
 * Which lighthouse DNS servers a node can query, for its page: the same list its config's header
 * and the agent's payload give (render-node-config's dnsResolversFor over the same lighthouses),
 * each with whether the firewall lets this node query it (nebula's firewall applies to DNS over
 * the overlay like to any other UDP: the query needs the host's outbound and the lighthouse's
 * inbound rule).
 */
import { db } from "@/lib/db/client";
import { dnsResolversFor, type DnsResolver } from "@/lib/config/render-node-config";
import { evaluate } from "@/lib/firewall/evaluate";
import { listRules } from "@/lib/firewall/rule-store";
import { leaseIp } from "@/lib/ipam/address-space";
import { dnsListenerOf } from "./node-config";

export interface DnsResolverView extends DnsResolver {
  /** Null for a resolver on loopback (no firewall between a lighthouse and itself). */
  firewall: { allowed: boolean; summary: string } | null;
}

export async function dnsResolversForNode(networkId: string, node: { name: string; ip: string | null; groups: string[] }): Promise<DnsResolverView[]> {
  // As the config snapshot sees lighthouses: active, with an address.
  const rows = await db.node.findMany({
    where: { networkId, isLighthouse: true, serveDns: true, status: "active", lease: { isNot: null } },
    include: { lease: true, groups: { include: { group: { select: { name: true } } } }, network: { select: { cidr: true, cidr6: true } } },
  });
  if (!rows.length) return [];
  const lighthouses = rows.map((n) => {
    const ip = leaseIp(n.network, n.lease!.address);
    return { name: n.name, ip, endpoints: n.endpoints, dns: dnsListenerOf(n, ip), groups: n.groups.map((g) => g.group.name) };
  });
  const resolvers = dnsResolversFor({ node: { ip: node.ip ?? "" }, lighthouses });
  const rules = await listRules(networkId);
  return resolvers.map((r) => {
    const lighthouse = lighthouses.find((l) => l.name === r.lighthouse)!;
    if (r.address.startsWith("127.") || lighthouse.ip === node.ip) return { ...r, firewall: null };
    const verdict = evaluate(rules, { name: node.name, ip: node.ip ?? "", groups: node.groups }, { name: lighthouse.name, ip: lighthouse.ip, groups: lighthouse.groups }, { proto: "udp", port: r.port });
    return { ...r, firewall: { allowed: verdict.allowed, summary: verdict.summary } };
  });
}
