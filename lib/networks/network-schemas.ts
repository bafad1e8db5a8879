import { z } from "zod";
import { POLL_SECONDS_MAX, POLL_SECONDS_MIN } from "@/lib/agent/protocol";
import { isPrivateRange, parseNetworkCidr } from "@/lib/ipam/cidr";
import { memberRoles } from "@/lib/auth/roles";
import { descriptionText, nameText } from "@/lib/core/text-schema";

export const nebulaTargets = ["1.6", "1.7", "1.10"] as const;
export type NebulaTargetText = (typeof nebulaTargets)[number];

const name = nameText(64).min(1, "Enter a name");
const description = descriptionText(500);

export const networkCreateSchema = z
  .object({
    name,
    cidr: z.string().max(32, "Enter an IPv4 range such as 10.42.0.0/16"),
    description: description.default(""),
    /** A public range is almost always a typo; it is accepted only when this is set. */
    confirmPublicRange: z.boolean().default(false),
    caName: z
      .string()
      .trim()
      .max(64, "Use at most 64 characters")
      .regex(/^[A-Za-z0-9 ._-]*$/, "Use letters, digits, spaces, '.', '_' or '-'")
      .default(""),
    caDurationDays: z.number().int().min(30, "At least 30 days").max(3650, "At most ten years").default(730),
    /** v1 lets Nebula 1.6 nodes join; v2 needs 1.10 everywhere. */
    certVersion: z.union([z.literal(1), z.literal(2)], { message: "Choose certificate version 1 or 2" }).default(1),
    nebulaTarget: z.enum(nebulaTargets, { message: "Choose 1.6, 1.7 or 1.10" }).default("1.6"),
  })
  .strict()
  .superRefine((value, ctx) => {
    if (value.certVersion === 2 && value.nebulaTarget !== "1.10") {
      ctx.addIssue({ code: "custom", path: ["certVersion"], message: "v2 certificates need every node on Nebula 1.10 or later" });
    }
    const parsed = parseNetworkCidr(value.cidr);
    if (!parsed.ok) {
      ctx.addIssue({ code: "custom", path: ["cidr"], message: parsed.error });
    } else if (!isPrivateRange(parsed.cidr) && !value.confirmPublicRange) {
      ctx.addIssue({
        code: "custom",
        path: ["cidr"],
        message: "This is a public range. Use a private (10/8, 172.16/12, 192.168/16) or CGNAT (100.64/10) range, or confirm that you mean it",
      });
    }
  });
export type NetworkCreateInput = z.infer<typeof networkCreateSchema>;

/** How often hosts poll: short for labs and fast rollouts, long for quiet fleets; bounded like the agents bound it. */
export const pollSecondsSchema = z
  .number({ message: "Enter a number of seconds" })
  .int("Use whole seconds")
  .min(POLL_SECONDS_MIN, `At least ${POLL_SECONDS_MIN} seconds`)
  .max(POLL_SECONDS_MAX, `At most ${POLL_SECONDS_MAX} seconds (one hour)`);

export const networkUpdateSchema = z
  .object({ name: name.optional(), description: description.optional(), pollSeconds: pollSecondsSchema.optional() })
  .strict()
  .refine((v) => v.name !== undefined || v.description !== undefined || v.pollSeconds !== undefined, { message: "Nothing to change" });
export type NetworkUpdateInput = z.infer<typeof networkUpdateSchema>;

const role = z.enum(memberRoles, { message: "Choose owner, admin or viewer" });

/**
 * By user id (the primary way), or by email. By email, the role goes only to the one user whose
 * address is verified, and the answer is the same whatever matched (member-service.ts).
 */
export const memberAddSchema = z
  .object({
    userId: z.uuid("That is not a user id").optional(),
    email: z.string().trim().toLowerCase().email("Enter an email address").max(254).optional(),
    role,
  })
  .strict()
  .refine((v) => (v.userId === undefined) !== (v.email === undefined), { path: ["email"], message: "Give either a user id or an email address" });
export type MemberAddInput = z.infer<typeof memberAddSchema>;

export const memberUpdateSchema = z.object({ role }).strict();
export type MemberUpdateInput = z.infer<typeof memberUpdateSchema>;
