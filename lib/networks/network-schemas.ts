import { z } from "zod";
import { POLL_SECONDS_MAX, POLL_SECONDS_MIN } from "@/lib/agent/protocol";
import { isPrivateRange, parseNetworkCidr } from "@/lib/ipam/cidr";
import { cidr6FitsIpv4, parseNetworkCidr6 } from "@/lib/ipam/cidr6";
import { memberRoles } from "@/lib/auth/roles";
import { descriptionText, nameText } from "@/lib/core/text-schema";

export const nebulaTargets = ["1.6", "1.7", "1.10"] as const;
export type NebulaTargetText = (typeof nebulaTargets)[number];

const name = nameText(64).min(1, "Enter a name");

/** Why a network that must serve Nebula 1.6 hosts stays IPv4 (shown beside the form's field, too). */
export const IPV6_NEEDS_V2 = "IPv6 needs v2 certificates and Nebula 1.10 on every host: a v1 certificate carries one IPv4 address, and Nebula 1.6 cannot read v2 certificates";

/** The canonical text of a valid range (so overlap checks and storage see one spelling), the trimmed input otherwise (the refinement reports it), null for none. */
function canonicalCidr6(v: string | null): string | null {
  const text = v?.trim();
  if (!text) return null;
  const parsed = parseNetworkCidr6(text);
  return parsed.ok ? parsed.cidr.text : text;
}
const description = descriptionText(500);

/** An IPv6 range field (creation and update): canonical text when valid; the refinements report the rest. */
const cidr6Field = (doc: string) =>
  z
    .string()
    .max(64, "Enter an IPv6 range such as fd42:abcd:1234::/64")
    .nullable()
    .optional()
    .transform((v) => (v === undefined ? undefined : canonicalCidr6(v)))
    .meta({ description: doc, example: "fd42:abcd:1234::/64" });

export const networkCreateSchema = z
  .object({
    name,
    /** The IPv4 range; empty or null for an IPv6-only network (cidr6 then required, v2 certificates). */
    cidr: z
      .string()
      .max(32, "Enter an IPv4 range such as 10.42.0.0/16")
      .nullable()
      .optional()
      .transform((v) => v?.trim() || null)
      .meta({ description: "IPv4 range; leave out (or null) for an IPv6-only network, which needs cidr6, certVersion 2 and nebulaTarget 1.10", example: "10.42.0.0/16" }),
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
    /**
     * An IPv6 range beside the IPv4 one (dual-stack) or alone (IPv6-only), v2 networks only. A
     * dual-stack host's IPv6 address is derived from its IPv4 lease (lib/ipam/cidr6.ts), an
     * IPv6-only host's from its host index (lib/ipam/address-space.ts). It may also be added later (networkUpdateSchema),
     * which re-signs every host. Empty or null means none.
     */
    cidr6: cidr6Field("IPv6 range for a dual-stack or IPv6-only network (certVersion 2 and nebulaTarget 1.10 only)"),
  })
  .strict()
  .superRefine((value, ctx) => {
    if (value.certVersion === 2 && value.nebulaTarget !== "1.10") {
      ctx.addIssue({ code: "custom", path: ["certVersion"], message: "v2 certificates need every node on Nebula 1.10 or later" });
    }
    if (value.cidr6) {
      const parsed6 = parseNetworkCidr6(value.cidr6);
      const parsed4 = value.cidr ? parseNetworkCidr(value.cidr) : null;
      if (value.certVersion !== 2) ctx.addIssue({ code: "custom", path: ["cidr6"], message: IPV6_NEEDS_V2 });
      else if (!parsed6.ok) ctx.addIssue({ code: "custom", path: ["cidr6"], message: parsed6.error });
      else if (parsed4?.ok) {
        const tooSmall = cidr6FitsIpv4(parsed6.cidr, parsed4.cidr);
        if (tooSmall) ctx.addIssue({ code: "custom", path: ["cidr6"], message: tooSmall });
      }
    }
    if (!value.cidr) {
      // IPv6-only: fine when the IPv6 range is there (its own checks are above).
      if (!value.cidr6) ctx.addIssue({ code: "custom", path: ["cidr"], message: "Enter an IPv4 range such as 10.42.0.0/16 (or leave it empty and give an IPv6 range, for an IPv6-only network)" });
      return;
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

export const firewallActions = ["drop", "reject"] as const;
/** What the firewall does with traffic no rule allows: drop silently, or reject (Nebula 1.7+; 1.6 hosts always drop). */
export const firewallActionSchema = z.enum(firewallActions, { message: "Choose drop or reject" });

export const networkUpdateSchema = z
  .object({
    name: name.optional(),
    description: description.optional(),
    pollSeconds: pollSecondsSchema.optional(),
    inboundAction: firewallActionSchema.optional(),
    outboundAction: firewallActionSchema.optional(),
    /**
     * Adds an IPv6 range to a v2 network that has none (every host is then re-signed with its IPv6
     * address). Once set it cannot be changed or removed: the addresses are in the hosts'
     * certificates. Null or empty asks for removal, which network-service.ts refuses with that reason.
     */
    cidr6: cidr6Field("Add an IPv6 range (dual-stack) to a network with certVersion 2 and nebulaTarget 1.10; every host is re-signed with its IPv6 address. Cannot be changed or removed once set"),
  })
  .strict()
  .superRefine((value, ctx) => {
    if (!value.cidr6) return;
    const parsed6 = parseNetworkCidr6(value.cidr6);
    if (!parsed6.ok) ctx.addIssue({ code: "custom", path: ["cidr6"], message: parsed6.error });
  })
  .refine((v) => Object.values(v).some((x) => x !== undefined), { message: "Nothing to change" });
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
