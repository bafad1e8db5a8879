/** Address ranges the allocator never hands out (gateways, static hosts outside Nebula, ...). */
import ipaddr from "ipaddr.js";
import { z } from "zod";
import { transaction, db } from "@/lib/db/client";
import { AppError } from "@/lib/core/app-error";
import type { RequestMeta } from "@/lib/core/request-meta";
import type { Actor } from "@/lib/auth/session";
import { recordAudit } from "@/lib/audit/record-audit";
import { descriptionText } from "@/lib/core/text-schema";
import { intToIpv4, ipv4ToInt, parseNetworkCidr } from "./cidr";

// Four decimal parts, each at most 255: a shape-only check let 256.1.1.1 through to a 500.
const isIpv4 = (text: string) => ipaddr.IPv4.isValidFourPartDecimal(text);

const ipv4 = z
  .string()
  .trim()
  .refine(isIpv4, { message: "Enter an IPv4 address such as 10.42.0.10" })
  .meta({ example: "10.42.0.10" });

export const reservedRangeSchema = z
  .object({ start: ipv4, end: ipv4, description: descriptionText(200).default("") })
  .strict()
  // zod runs this even when an address above was refused; only two addresses can be compared.
  .refine((r) => !isIpv4(r.start) || !isIpv4(r.end) || ipv4ToInt(r.start) <= ipv4ToInt(r.end), { path: ["end"], message: "The range ends before it starts" });

export async function listReservedRanges(networkId: string) {
  const rows = await db.reservedRange.findMany({ where: { networkId }, orderBy: { start: "asc" } });
  return rows.map((r) => ({ id: r.id, start: intToIpv4(Number(r.start)), end: intToIpv4(Number(r.end)), description: r.description }));
}

export async function addReservedRange(actor: Actor, network: { id: string; cidr: string | null }, input: z.infer<typeof reservedRangeSchema>, meta: RequestMeta) {
  // Reserved ranges are IPv4 ranges; an IPv6-only network's range is never scanned or carved up.
  if (!network.cidr) throw new AppError("validation_failed", "Some fields are not valid", { start: ["Reserved ranges are IPv4 ranges: this network is IPv6-only"] });
  const parsed = parseNetworkCidr(network.cidr);
  if (!parsed.ok) throw new Error("bad network CIDR");
  const start = ipv4ToInt(input.start);
  const end = ipv4ToInt(input.end);
  if (start < parsed.cidr.start || end > parsed.cidr.end) throw new AppError("validation_failed", "Some fields are not valid", { start: [`The range must lie inside ${network.cidr}`] });
  return transaction(async (tx) => {
    const leased = await tx.lease.findFirst({ where: { networkId: network.id, address: { gte: BigInt(start), lte: BigInt(end) }, nodeId: { not: null } }, include: { node: { select: { name: true } } } });
    if (leased) throw new AppError("conflict", `${intToIpv4(Number(leased.address))} in that range is leased to ${leased.node?.name}; move or delete it first`);
    const row = await tx.reservedRange.create({ data: { networkId: network.id, start: BigInt(start), end: BigInt(end), description: input.description } });
    await recordAudit(tx, { actor, action: "ipam.reserve", networkId: network.id, target: { type: "reserved-range", id: row.id, name: `${input.start}-${input.end}` }, after: input, meta });
    return { id: row.id, ...input };
  });
}

export async function removeReservedRange(actor: Actor, networkId: string, rangeId: string, meta: RequestMeta): Promise<void> {
  await transaction(async (tx) => {
    const row = await tx.reservedRange.findFirst({ where: { id: rangeId, networkId } });
    if (!row) throw new AppError("not_found", "Range not found");
    await tx.reservedRange.delete({ where: { id: row.id } });
    // Addresses in it may now be free: let the allocator look there again.
    await tx.$executeRaw`UPDATE "Network" SET "leaseCursor" = LEAST("leaseCursor", ${row.start}) WHERE id = ${networkId}::uuid`;
    await recordAudit(tx, { actor, action: "ipam.unreserve", networkId, target: { type: "reserved-range", id: row.id, name: `${intToIpv4(Number(row.start))}-${intToIpv4(Number(row.end))}` }, before: { start: intToIpv4(Number(row.start)), end: intToIpv4(Number(row.end)), description: row.description }, meta });
  });
}
