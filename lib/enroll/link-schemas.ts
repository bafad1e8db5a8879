import { z } from "zod";
import { groupNameSchema, hostNameSchema } from "@/lib/firewall/rule-schema";
import { endpointSchema } from "@/lib/nodes/node-schemas";
import { publicKeyPemSchema } from "@/lib/pki/public-key";
import { descriptionText } from "@/lib/core/text-schema";

export const linkCreateSchema = z
  .object({
    description: descriptionText(200).default(""),
    expiresInHours: z.number().int().min(1, "At least one hour").max(720, "At most 30 days").default(24),
    /** Null: unlimited until it expires. */
    maxUses: z.number().int().min(1, "At least one use").max(100000).nullable().default(1),
    presetGroups: z.array(groupNameSchema).max(32).default([]),
    fixedName: hostNameSchema.transform((n) => n.toLowerCase()).optional(),
    // IPv4, or IPv6 for an IPv6-only network: the allocator checks it against the network's range.
    fixedIp: z.string().trim().regex(/^(\d{1,3}(\.\d{1,3}){3}|[0-9a-fA-F:]{2,39})$/, "Enter an IPv4 address (or an IPv6 address on an IPv6-only network)").optional(),
    isLighthouse: z.boolean().default(false),
    isRelay: z.boolean().default(false),
    endpoints: z.array(endpointSchema).max(8).default([]),
    listenPort: z.number().int().min(1).max(65535).nullable().default(null),
    requiresApproval: z.boolean().default(false),
  })
  .strict()
  .superRefine((v, ctx) => {
    if ((v.isLighthouse || v.isRelay) && (!v.endpoints.length || !v.listenPort)) {
      ctx.addIssue({ code: "custom", path: ["endpoints"], message: "A lighthouse or relay link needs its public endpoint and listen port" });
    }
    if ((v.fixedName || v.fixedIp) && v.maxUses !== 1) {
      ctx.addIssue({ code: "custom", path: ["maxUses"], message: "A link with a fixed name or IP can be used once" });
    }
  });
export type LinkCreateInput = z.infer<typeof linkCreateSchema>;

export const MAX_ENROLL_BODY = 8 * 1024;

export const enrollSchema = z
  .object({
    token: z.string().min(1, "The join token is missing").max(100, "That is not a join token"),
    hostname: hostNameSchema.transform((n) => n.toLowerCase()),
    publicKeyPem: publicKeyPemSchema,
  })
  .strict();
export type EnrollInput = z.infer<typeof enrollSchema>;

export const renewSchema = z.object({ publicKeyPem: publicKeyPemSchema }).strict();
