/**
 * The firewall rule model, shared by the editor, the API, the config renderer and the
 * reachability evaluator. Pure: no Next, no Prisma. Groups and hosts are referred to by name here;
 * the database layer maps them to ids.
 */
import { z } from "zod";
import { canonicalRoutes, routeCidrSchema } from "@/lib/routes/unsafe-networks";
import ipaddr from "ipaddr.js";
import { ipv4ToInt } from "@/lib/ipam/cidr";
import { ipv6ToBigInt } from "@/lib/ipam/cidr6";
import { descriptionText } from "@/lib/core/text-schema";

export const directions = ["inbound", "outbound"] as const;
export const protocols = ["any", "tcp", "udp", "icmp"] as const;
export type Direction = (typeof directions)[number];
export type Protocol = (typeof protocols)[number];

/** Group names as Nebula certificates carry them. */
export const groupNameSchema = z
  .string()
  .trim()
  .min(1, "Enter a group name")
  .max(64, "Use at most 64 characters")
  .regex(/^[A-Za-z0-9._-]+$/, "Use letters, digits, '-', '_' or '.'")
  // Nebula's firewall treats a group named "any" as everyone.
  .refine((n) => n.toLowerCase() !== "any", { message: '"any" is reserved: Nebula reads it as every host' })
  .meta({ example: "web" });

/** Node names: DNS hostnames (RFC 1123 labels), which is also what certificate names should be. */
export const hostNameSchema = z
  .string()
  .trim()
  .min(1, "Enter a name")
  .max(253, "Use at most 253 characters")
  // Spelled out rather than /i: the OpenAPI document carries the source as its pattern, without flags.
  .regex(/^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/, "Use a hostname: letters, digits and '-', dot-separated")
  // A host named "any" would match every peer in Nebula's firewall.
  .refine((n) => n.toLowerCase() !== "any", { message: '"any" is reserved: Nebula reads it as every host' })
  .meta({ example: "Web-1.example.com" });

/**
 * A port: `any`, `N`, `a-b` or `fragment`, exactly the strings Nebula accepts. Kept as text so a
 * range is rendered as a range, never expanded.
 */
export const portSchema = z
  .string()
  .trim()
  .toLowerCase()
  .refine((p) => parsePort(p) !== null, { message: "Use any, a port (443), a range (8000-8100) or fragment" });

export type PortSpec = { kind: "any" } | { kind: "fragment" } | { kind: "range"; from: number; to: number };

export function parsePort(text: string): PortSpec | null {
  if (text === "any") return { kind: "any" };
  if (text === "fragment") return { kind: "fragment" };
  const m = /^(\d{1,5})(?:-(\d{1,5}))?$/.exec(text);
  if (!m) return null;
  const from = Number(m[1]);
  const to = m[2] === undefined ? from : Number(m[2]);
  if (from < 1 || to > 65535 || from > to) return null;
  return { kind: "range", from, to };
}

const cidrSchema = z
  .string()
  .trim()
  // Dual-stack networks (v2 certificates) give hosts IPv6 addresses too, which nebula 1.10 matches
  // against IPv6 CIDRs; stored in the canonical form so that the renderer and the evaluator agree.
  .refine((c) => (/^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$/.test(c) && isValidIpv4Cidr(c)) || isValidIpv6Cidr(c), { message: "Use an IPv4 or IPv6 CIDR such as 192.168.1.0/24 or fd42:abcd:1234::/64" })
  .transform((c) => (c.includes(":") ? canonicalIpv6Cidr(c) : c));

/** An IPv6 peer selector: any prefix /0–/128, host bits zero (nebula would mask them silently, hiding a typo). */
function isValidIpv6Cidr(text: string): boolean {
  const slash = text.lastIndexOf("/");
  const address = text.slice(0, slash);
  const bits = text.slice(slash + 1);
  if (slash < 0 || !/^[0-9a-fA-F:]+$/.test(address) || !/^\d{1,3}$/.test(bits) || !ipaddr.IPv6.isValid(address)) return false;
  const prefix = Number(bits);
  if (prefix > 128) return false;
  const hostBits = BigInt(128 - prefix);
  return ipv6ToBigInt(address) % (1n << hostBits) === 0n;
}

function canonicalIpv6Cidr(text: string): string {
  const slash = text.lastIndexOf("/");
  return `${ipaddr.IPv6.parse(text.slice(0, slash)).toString()}/${text.slice(slash + 1)}`;
}

/** Any prefix from /0 to /32 is a fine peer selector (unlike a network range), but host bits must be zero. */
function isValidIpv4Cidr(text: string): boolean {
  const [addr, bits] = text.split("/");
  const prefix = Number(bits);
  if (prefix > 32 || !addr!.split(".").every((o) => Number(o) <= 255 && !/^0\d/.test(o))) return false;
  const size = 2 ** (32 - prefix);
  return ipv4ToInt(addr!) % size === 0;
}

export const peerSelectorSchema = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("any") }).strict(),
  z.object({ kind: z.literal("group"), group: groupNameSchema }).strict(),
  z
    .object({ kind: z.literal("groups"), groups: z.array(groupNameSchema).min(2, "Pick at least two groups, or use a single group").max(16) })
    .strict()
    .refine((v) => new Set(v.groups).size === v.groups.length, { message: "A group is listed twice", path: ["groups"] }),
  z.object({ kind: z.literal("cidr"), cidr: cidrSchema }).strict(),
  z.object({ kind: z.literal("host"), host: hostNameSchema }).strict(),
]);
export type PeerSelector = z.infer<typeof peerSelectorSchema>;

export const appliesToSchema = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("all") }).strict(),
  z.object({ kind: z.literal("group"), group: groupNameSchema }).strict(),
]);
export type AppliesTo = z.infer<typeof appliesToSchema>;

export const ruleInputSchema = z
  .object({
    direction: z.enum(directions, { message: "Choose inbound or outbound" }),
    port: portSchema,
    proto: z.enum(protocols, { message: "Choose any, tcp, udp or icmp" }),
    peer: peerSelectorSchema,
    appliesTo: appliesToSchema.default({ kind: "all" }),
    /**
     * Limits the rule to traffic for a subnet routed by the host (Nebula's local_cidr, 1.7+), e.g.
     * "web may reach 192.168.50.0/24 behind gw1 on tcp/443" without opening gw1 itself.
     */
    localCidr: routeCidrSchema
      .transform((c) => canonicalRoutes([c])[0]!)
      .nullable()
      .optional()
      .meta({ description: "Only traffic to this subnet behind the host (Nebula's local_cidr; hosts on Nebula 1.6 leave such rules out).", example: "192.168.50.0/24" }),
    description: descriptionText(200).default(""),
  })
  .strict()
  .superRefine((rule, ctx) => {
    // ICMP has no ports; Nebula ignores them, so a port here would only mislead the reader.
    if (rule.proto === "icmp" && rule.port !== "any") {
      ctx.addIssue({ code: "custom", path: ["port"], message: "ICMP rules use port any" });
    }
  });
export type RuleInput = z.infer<typeof ruleInputSchema>;

/** A stored rule, in order. `position` decides the order rules are rendered in. */
export interface FirewallRule extends RuleInput {
  id: string;
  position: number;
}

/** The rules every new network starts with: all outbound, and ICMP (ping) inbound. */
export const defaultRules: RuleInput[] = [
  { direction: "outbound", port: "any", proto: "any", peer: { kind: "any" }, appliesTo: { kind: "all" }, description: "Allow all outbound traffic" },
  { direction: "inbound", port: "any", proto: "icmp", peer: { kind: "any" }, appliesTo: { kind: "all" }, description: "Allow ping (ICMP) from any host" },
];

/** Whether `rule` is the inbound ICMP default that the UI's ICMP toggle switches on and off. */
export function isInboundIcmpDefault(rule: RuleInput): boolean {
  return rule.direction === "inbound" && rule.proto === "icmp" && rule.port === "any" && rule.peer.kind === "any" && rule.appliesTo.kind === "all";
}
