/**
 * Policy assertions: what the firewall rules must keep allowing or denying, e.g. "group web → group
 * db tcp/5432 allowed" or "group guest → group db any denied". Pure: no Next, no Prisma. Groups
 * and hosts are named here, as in rule-schema.ts; the database layer maps them to ids.
 */
import { z } from "zod";
import { descriptionText } from "@/lib/core/text-schema";
import { groupNameSchema, hostNameSchema, protocols } from "./rule-schema";

export const policyExpectations = ["allowed", "denied"] as const;
export type PolicyExpect = (typeof policyExpectations)[number];

/**
 * One end of an assertion. Fewer kinds than a rule's peer on purpose: an assertion speaks about
 * hosts as people name them (a group, one node, anyone), while CIDRs and group intersections are
 * how rules select them.
 */
export const policySelectorSchema = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("any") }).strict(),
  z.object({ kind: z.literal("group"), group: groupNameSchema }).strict(),
  z.object({ kind: z.literal("host"), host: hostNameSchema }).strict(),
]);
export type PolicySelector = z.infer<typeof policySelectorSchema>;

/** One port, or `any`. Ranges are left out: "every port of 8000-8100" reads ambiguously as an assertion. */
export const assertionPortSchema = z
  .string()
  .trim()
  .toLowerCase()
  .refine((p) => p === "any" || (/^\d{1,5}$/.test(p) && Number(p) >= 1 && Number(p) <= 65535), { message: "Use any or one port from 1 to 65535" })
  .meta({ example: "5432" });

export const assertionInputSchema = z
  .object({
    from: policySelectorSchema,
    to: policySelectorSchema,
    proto: z.enum(protocols, { message: "Choose any, tcp, udp or icmp" }),
    port: assertionPortSchema.default("any"),
    expect: z.enum(policyExpectations, { message: "Choose allowed or denied" }),
    description: descriptionText(200).default(""),
  })
  .strict()
  .superRefine((a, ctx) => {
    // ICMP carries no ports (Nebula looks it up as port 0), so a port would only mislead.
    if (a.proto === "icmp" && a.port !== "any") ctx.addIssue({ code: "custom", path: ["port"], message: "ICMP assertions use port any" });
  });
export type AssertionInput = z.infer<typeof assertionInputSchema>;

export interface PolicyAssertion extends AssertionInput {
  id: string;
}

/**
 * `?overridePolicy=true` on a rule change: an owner may apply a change that breaks assertions (the
 * override is audited). A query parameter rather than a body field, so DELETE and the rule body
 * itself stay as they are.
 */
export const policyOverrideQuerySchema = z.object({
  overridePolicy: z.enum(["true", "false"]).optional().describe("Owners only: apply the change even if it breaks policy assertions (audited)"),
});

export function describeSelector(selector: PolicySelector): string {
  return selector.kind === "any" ? "any host" : selector.kind === "group" ? `group ${selector.group}` : `host ${selector.host}`;
}

/** "group web → group db tcp/5432 allowed", the way the UI, errors and the audit trail name an assertion. */
export function describeAssertion(a: AssertionInput): string {
  const traffic = a.proto === "icmp" ? "icmp" : a.port === "any" ? (a.proto === "any" ? "any" : `${a.proto}/any`) : `${a.proto}/${a.port}`;
  return `${describeSelector(a.from)} → ${describeSelector(a.to)} ${traffic} ${a.expect}`;
}
