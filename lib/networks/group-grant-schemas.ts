/** Input of the group-grant API: a Keycloak group (its full path) and the role its members get. */
import { z } from "zod";
import { memberRoles } from "@/lib/auth/roles";
import { nameText } from "@/lib/core/text-schema";

const role = z.enum(memberRoles, { message: "Choose owner, admin or viewer" });

/**
 * The realm's "groups" mapper sends full paths (keycloak/nebula-realm.json, full.path true), so
 * `/ops` and `/eng/ops` stay apart; a bare name would never match and is refused rather than
 * stored as a grant that gives no one anything.
 */
export const keycloakGroupName = nameText(255)
  .min(1, "Enter a Keycloak group")
  .refine((v) => v.startsWith("/") && v.length > 1, "Use the group's full path as Keycloak shows it, such as /ops or /engineering/ops")
  .refine((v) => !v.endsWith("/") && !v.includes("//"), "A group path has no empty parts: /engineering/ops, not /engineering//ops/");

export const groupGrantCreateSchema = z.object({ groupName: keycloakGroupName, role }).strict();
export type GroupGrantCreateInput = z.infer<typeof groupGrantCreateSchema>;

export const groupGrantUpdateSchema = z.object({ role }).strict();
export type GroupGrantUpdateInput = z.infer<typeof groupGrantUpdateSchema>;
