/** Answers "can node A reach node B on proto/port?" from the stored rules and the nodes' identities. */
import { z } from "zod";
import { AppError } from "@/lib/core/app-error";
import { getNode } from "@/lib/nodes/node-service";
import { db } from "@/lib/db/client";
import { evaluate, type HostIdentity, type Reachability } from "./evaluate";
import { hostStateOf } from "./host-state";
import { groupMatrix } from "./matrix";
import { listRules } from "./rule-store";

export const reachabilityQuerySchema = z
  .object({
    from: z.string().uuid("Choose the source node"),
    to: z.string().uuid("Choose the destination node"),
    proto: z.enum(["tcp", "udp", "icmp"], { message: "Choose tcp, udp or icmp" }),
    port: z.coerce.number().int().min(0).max(65535, "A port is 1 to 65535").default(0),
    /** Over which address family (dual-stack networks); left out, either family both hosts have. */
    family: z.enum(["ipv4", "ipv6"], { message: "Choose ipv4 or ipv6" }).optional(),
  })
  .strict()
  .superRefine((q, ctx) => {
    if (q.proto !== "icmp" && q.port < 1) ctx.addIssue({ code: "custom", path: ["port"], message: "Enter a port from 1 to 65535" });
  });
export type ReachabilityQuery = z.infer<typeof reachabilityQuerySchema>;

async function identityOf(networkId: string, nodeId: string): Promise<HostIdentity> {
  const node = await getNode(networkId, nodeId).catch(() => {
    throw new AppError("validation_failed", "Some fields are not valid", { node: ["That node is not in this network"] });
  });
  if (!node.ip) throw new AppError("conflict", `${node.name} has no address`);
  // A dual-stack host's certificate carries its IPv6 address too (the same one the view derives).
  return { name: node.name, ip: node.ip, ...(node.ip6 ? { ips: [node.ip, node.ip6] } : {}), groups: node.groups, state: hostStateOf(node, new Date()) };
}

export async function checkReachability(networkId: string, q: ReachabilityQuery): Promise<Reachability & { from: HostIdentity; to: HostIdentity }> {
  const [from, to, rules] = await Promise.all([identityOf(networkId, q.from), identityOf(networkId, q.to), listRules(networkId)]);
  return { ...evaluate(rules, from, to, { proto: q.proto, port: q.proto === "icmp" ? 0 : q.port, ...(q.family ? { family: q.family } : {}) }), from, to };
}

/**
 * A member counts only while Nebula would let it in: active, with an unrevoked certificate that
 * has not expired (the same test hostStateOf applies to a single node).
 */
export async function networkMatrix(networkId: string) {
  const now = new Date();
  const participating = { status: "active" as const, certificates: { some: { revokedAt: null, notAfter: { gt: now } } } };
  const [rules, groups] = await Promise.all([
    listRules(networkId),
    db.group.findMany({
      where: { networkId },
      select: { name: true, _count: { select: { nodes: { where: { node: participating } } } } },
      orderBy: { name: "asc" },
    }),
  ]);
  return groupMatrix(
    rules,
    groups.map((g) => g.name),
    Object.fromEntries(groups.map((g) => [g.name, g._count.nodes])),
  );
}
