/** The webhook endpoints' bodies and the events they carry, shared by the hub and anything that calls it. */
import { z } from 'zod';

/**
 * The events a webhook may subscribe to. A new one is one more
 * entry here plus the place that enqueues it; registration, storage and delivery take any of these.
 */
export const WEBHOOK_EVENTS = [
	'job.completed',
	'job.failed',
	'batch.completed',
	'batch.failed',
	'batch.cancelled',
	'batch.expired'
] as const;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];

/** `POST /api/webhooks`: where to deliver, and which events (each at most once). The URL's own checks are the hub's. */
export const RegisterWebhookRequest = z.strictObject({
	url: z.string().min(1).max(2048),
	events: z
		.array(z.enum(WEBHOOK_EVENTS))
		.min(1)
		.max(WEBHOOK_EVENTS.length)
		.refine((e) => new Set(e).size === e.length, 'each event at most once')
});
export type RegisterWebhookRequest = z.infer<typeof RegisterWebhookRequest>;
