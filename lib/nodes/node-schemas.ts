import { z } from "zod";
import { groupNameSchema, hostNameSchema } from "@/lib/firewall/rule-schema";
import { publicKeyPemSchema } from "@/lib/pki/public-key";
import { descriptionText, lineText } from "@/lib/core/text-schema";

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

const nodeFields = {
  name: hostNameSchema.transform((n) => n.toLowerCase()),
  description: descriptionText(500),
  groups: z.array(groupNameSchema).max(32, "At most 32 groups").refine((g) => new Set(g).size === g.length, "A group is listed twice"),
  isLighthouse: z.boolean(),
  isRelay: z.boolean(),
  endpoints: z.array(endpointSchema).max(8, "At most 8 endpoints"),
  listenPort: port.nullable(),
  overrides: overridesSchema,
};

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
    ip: z
      .string()
      .trim()
      // "" once meant "allocate"; a client that sends it more likely lost the address it meant.
      .min(1, "Enter an IPv4 address, or leave ip out to allocate one")
      .max(15, "Enter an IPv4 address")
      .optional()
      .meta({ description: "A static address inside the network's range. Leave it out to have the lowest free address allocated; an empty string is refused.", example: "10.42.0.7" }),
    /** The host's own public key (preferred): signed now, and the node is active. */
    publicKeyPem: publicKeyPemSchema.optional(),
  })
  .strict()
  .superRefine(requireEndpointsForRoles);
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
