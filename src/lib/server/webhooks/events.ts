/**
 * The events a webhook may subscribe to. A new one (batch.completed, when batches arrive) is one more
 * entry here plus the place that enqueues it; registration, storage and delivery take any of these.
 */
export const WEBHOOK_EVENTS = ['job.completed', 'job.failed'] as const;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];

/** How long a delivery is retried before it is given up on (the 24 h). */
export const DELIVERY_WINDOW_MS = 24 * 60 * 60 * 1000;
