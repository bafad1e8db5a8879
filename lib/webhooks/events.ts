/**
 * The body every delivery carries and the zod schemas of the webhook API. Pure: no Next, no Prisma.
 */
import { z } from "zod";
import { descriptionText } from "@/lib/core/text-schema";
import { urlSafetyProblem } from "./url-safety";
import { WEBHOOK_EVENTS, type TEST_EVENT, type WebhookEventType } from "./event-types";

/** What the receiver gets, as JSON: the event, when it happened, the network, and the event's own data. */
export interface WebhookPayload {
  type: WebhookEventType | typeof TEST_EVENT;
  timestamp: string;
  networkId: string;
  data: Record<string, unknown>;
}

export interface WebhookEvent {
  type: WebhookEventType;
  data: Record<string, unknown>;
}

const urlSchema = z
  .string()
  .trim()
  .max(2000, "At most 2000 characters")
  .superRefine((value, ctx) => {
    const problem = urlSafetyProblem(value);
    if (problem) ctx.addIssue({ code: "custom", message: problem });
  });

const eventsSchema = z
  .array(z.enum(WEBHOOK_EVENTS))
  .min(1, "Choose at least one event")
  .transform((events) => [...new Set(events)].sort());

const expiringDaysSchema = z.number().int().min(1, "At least one day").max(365, "At most 365 days").nullable();

export const webhookCreateSchema = z
  .object({
    url: urlSchema,
    events: eventsSchema,
    description: descriptionText(200).default(""),
    expiringDays: expiringDaysSchema.default(null),
  })
  .strict();

export const webhookUpdateSchema = z
  .object({
    url: urlSchema.optional(),
    events: eventsSchema.optional(),
    description: descriptionText(200).optional(),
    expiringDays: expiringDaysSchema.optional(),
    enabled: z.boolean().optional(),
  })
  .strict();

export const deliveryQuerySchema = z
  .object({
    limit: z.coerce.number().int().min(1).max(200).default(50),
  })
  .strict();

export type WebhookCreateInput = z.infer<typeof webhookCreateSchema>;
export type WebhookUpdateInput = z.infer<typeof webhookUpdateSchema>;
