/** The webhook event names, importable by client components (nothing here touches Node). */
export const WEBHOOK_EVENTS = [
  "node.enrolled",
  "node.blocked",
  "node.went_offline",
  "node.came_back",
  "certificate.expiring",
  "rules.changed",
  "link.used",
  "member.changed",
  "ca.expiring",
] as const;

export type WebhookEventType = (typeof WEBHOOK_EVENTS)[number];

/** Sent only by "send a test event"; nobody subscribes to it. */
export const TEST_EVENT = "webhook.test";

export const DEFAULT_EXPIRING_DAYS = 14;
