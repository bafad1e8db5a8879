/** What the user-management API takes. Local accounts keep the first-run setup's rules. */
import { z } from "zod";
import { lineText, nameText } from "@/lib/core/text-schema";
import { displayNameSchema, passwordSchema, usernameSchema } from "@/lib/auth/local-accounts";

export const inviteCreateSchema = z
  .object({
    /** Who the invite is for, as the admin wants to recognise it in the pending list. */
    note: nameText(100).default(""),
    systemRole: z.enum(["user", "admin"]).default("user"),
  })
  .strict();
export type InviteCreateInput = z.infer<typeof inviteCreateSchema>;

/** Tokens travel in the body, not the path, so that they stay out of access logs. */
const token = z.string().trim().min(1, "The link's token is missing").max(100, "That is not a link token");

export const inviteAcceptSchema = z
  .object({
    token,
    username: usernameSchema,
    displayName: displayNameSchema,
    email: z.union([z.literal(""), z.string().trim().toLowerCase().email("Enter an email address").max(254)]).default(""),
    password: passwordSchema,
  })
  .strict();
export type InviteAcceptInput = z.infer<typeof inviteAcceptSchema>;

export const resetUseSchema = z.object({ token, password: passwordSchema }).strict();
export type ResetUseInput = z.infer<typeof resetUseSchema>;

export const passwordChangeSchema = z
  .object({
    currentPassword: z.string().min(1, "Enter your current password").max(256, "Use at most 256 characters"),
    newPassword: passwordSchema,
  })
  .strict();
export type PasswordChangeInput = z.infer<typeof passwordChangeSchema>;

export const USER_SEARCH_MIN_CHARS = 2;
export const USER_SEARCH_MAX_RESULTS = 10;

export const userSearchQuerySchema = z
  .object({
    q: lineText(100).pipe(z.string().min(USER_SEARCH_MIN_CHARS, `Type at least ${USER_SEARCH_MIN_CHARS} characters`)),
  })
  .strict();

export const USERS_PAGE_SIZE = 25;

export const userListQuerySchema = z
  .object({
    q: lineText(100).default(""),
    page: z.coerce.number().int().min(1).max(100_000).default(1),
  })
  .strict();
export type UserListQuery = z.infer<typeof userListQuerySchema>;
