import { z } from "zod";
import { groupNameSchema, hostNameSchema } from "@/lib/firewall/rule-schema";
import { publicKeyPemSchema } from "@/lib/pki/public-key";
import { descriptionText, lineText } from "@/lib/core/text-schema";
import ipaddr from "ipaddr.js";
import { canonicalRoutes, unsafeNetworksSchema } from "@/lib/routes/unsafe-networks";

/** "host:port" where host is a DNS name, an IPv4 address or a bracketed IPv6 address. */
export const endpointSchema = z
  .string()
  .trim()
  .max(260)
  .refine((value) => {
    const m = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(value);
    if (!m) return false;
    const port = Number(m[2]);
    const host = m[1]!;
    return port >= 1 && port <= 65535 && (host.startsWith("[") || hostNameSchema.safeParse(host).success);
  }, { message: "Use host:port, e.g. lighthouse.example.com:4242 or 203.0.113.7:4242" });

/** The only per-node config keys an admin may override; everything else is the network's. */
export const overridesSchema = z
  .object({
    tunDev: z.string().regex(/^[a-z][a-z0-9]{0,14}$/, "A Linux interface name: lowercase letters and digits, at most 15").optional(),
    tunMtu: z.number().int().min(576, "At least 576").max(9000, "At most 9000").optional(),
    logLevel: z.enum(["panic", "fatal", "error", "warning", "info", "debug"]).optional(),
  })
  .strict();
export type NodeOverrides = z.infer<typeof overridesSchema>;

const port = z.number().int().min(1, "1 to 65535").max(65535, "1 to 65535");

/**
 * Where a lighthouse's DNS listens (lighthouse.dns.host). IPv4 only: nebula 1.6 and 1.10 join host
 * and port differently, so no IPv6 spelling works on both (lib/config/render-node-config.ts).
 * 0.0.0.0 is refused: it binds the underlay too, where anyone could list the hosts by name (and
 * use the lighthouse as a UDP reflector). The node service also requires the lighthouse's own
 * overlay address or loopback, which needs the node's address.
 */
export const dnsHostSchema = z
  .string()
  .trim()
  .max(15, "Enter an IPv4 address")
  .superRefine((value, ctx) => {
    if (ipaddr.IPv6.isValid(value)) ctx.addIssue({ code: "custom", message: "Use an IPv4 address: nebula 1.6 and 1.10 cannot share an IPv6 DNS listener" });
    else if (!ipaddr.IPv4.isValidFourPartDecimal(value)) ctx.addIssue({ code: "custom", message: "Enter an IPv4 address, e.g. this lighthouse's overlay address" });
    else if (ipaddr.IPv4.parse(value).range() === "unspecified") ctx.addIssue({ code: "custom", message: "0.0.0.0 listens on every interface, the underlay too, where anyone could list the host names; use the overlay address" });
  });

const nodeFields = {
  name: hostNameSchema.transform((n) => n.toLowerCase()),
  description: descriptionText(500),
  groups: z.array(groupNameSchema).max(32, "At most 32 groups").refine((g) => new Set(g).size === g.length, "A group is listed twice"),
  isLighthouse: z.boolean(),
  isRelay: z.boolean(),
  endpoints: z.array(endpointSchema).max(8, "At most 8 endpoints"),
  listenPort: port.nullable(),
  overrides: overridesSchema,
  unsafeNetworks: unsafeNetworksSchema.transform(canonicalRoutes),
  serveDns: z.boolean().meta({ description: "Serve nebula's DNS (lighthouse.serve_dns): lighthouses only. Answers a host's certificate name with its overlay address." }),
  dnsHost: dnsHostSchema.nullable().meta({ description: "Where the DNS listens: null for this lighthouse's overlay address, or a loopback address.", example: null }),
  dnsPort: port.meta({ description: "The DNS port (UDP), 53 by default." }),
};

/** Only a lighthouse serves DNS: nebula ignores serve_dns elsewhere, with a warning in its log. */
export const DNS_NEEDS_LIGHTHOUSE = "Only a lighthouse can serve DNS: make it a lighthouse, or turn DNS off";

function requireLighthouseForDns(v: { isLighthouse?: boolean; serveDns?: boolean }, ctx: z.RefinementCtx) {
  if (v.serveDns && !v.isLighthouse) ctx.addIssue({ code: "custom", path: ["serveDns"], message: DNS_NEEDS_LIGHTHOUSE });
}

function requireEndpointsForRoles(v: { isLighthouse?: boolean; isRelay?: boolean; endpoints?: string[]; listenPort?: number | null }, ctx: z.RefinementCtx) {
  if (!v.isLighthouse && !v.isRelay) return;
  const role = v.isLighthouse ? "A lighthouse" : "A relay";
  if (!v.endpoints?.length) ctx.addIssue({ code: "custom", path: ["endpoints"], message: `${role} needs at least one public endpoint` });
  if (!v.listenPort) ctx.addIssue({ code: "custom", path: ["listenPort"], message: `${role} needs a fixed listen port` });
}

export const nodeCreateSchema = z
  .object({
    name: nodeFields.name,
    description: nodeFields.description.default(""),
    groups: nodeFields.groups.default([]),
    isLighthouse: nodeFields.isLighthouse.default(false),
    isRelay: nodeFields.isRelay.default(false),
    endpoints: nodeFields.endpoints.default([]),
    listenPort: nodeFields.listenPort.default(null),
    overrides: nodeFields.overrides.default({}),
    unsafeNetworks: nodeFields.unsafeNetworks.default([]),
    serveDns: nodeFields.serveDns.default(false),
    dnsHost: nodeFields.dnsHost.default(null),
    dnsPort: nodeFields.dnsPort.default(53),
    ip: z
      .string()
      .trim()
      // "" once meant "allocate"; a client that sends it more likely lost the address it meant.
      .min(1, "Enter an IPv4 address, or leave ip out to allocate one")
      // An IPv6-only network's hosts are addressed by IPv6 (lib/ipam/address-space.ts); the
      // allocator checks the family against the network's range.
      .max(45, "Enter an IP address")
      .optional()
      .meta({ description: "A static address inside the network's range (IPv4; IPv6 on an IPv6-only network). Leave it out to have the lowest free address allocated; an empty string is refused.", example: "10.42.0.7" }),
    /** The host's own public key (preferred): signed now, and the node is active. */
    publicKeyPem: publicKeyPemSchema.optional(),
  })
  .strict()
  .superRefine(requireEndpointsForRoles)
  .superRefine(requireLighthouseForDns);
export type NodeCreateInput = z.infer<typeof nodeCreateSchema>;

export const nodeUpdateSchema = z
  .object({
    name: nodeFields.name.optional(),
    description: nodeFields.description.optional(),
    groups: nodeFields.groups.optional(),
    isLighthouse: nodeFields.isLighthouse.optional(),
    isRelay: nodeFields.isRelay.optional(),
    endpoints: nodeFields.endpoints.optional(),
    listenPort: nodeFields.listenPort.optional(),
    overrides: nodeFields.overrides.optional(),
    unsafeNetworks: nodeFields.unsafeNetworks.optional(),
    serveDns: nodeFields.serveDns.optional(),
    dnsHost: nodeFields.dnsHost.optional(),
    dnsPort: nodeFields.dnsPort.optional(),
  })
  .strict();
export type NodeUpdateInput = z.infer<typeof nodeUpdateSchema>;

export const signKeySchema = z.object({ publicKeyPem: publicKeyPemSchema }).strict();

/** Why a certificate is revoked: kept in the audit trail. */
export const certificateRevokeSchema = z.object({ reason: lineText(200).min(1, "Give a reason") }).strict();

export const groupCreateSchema = z.object({ name: groupNameSchema, description: descriptionText(200).default("") }).strict();
export const groupUpdateSchema = z
  .object({ name: groupNameSchema.optional(), description: descriptionText(200).optional() })
  .strict();
