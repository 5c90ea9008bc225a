/** Small answers of `/api/*`: webhooks, key revocation, the seed's health check. */
import { z } from 'zod';
import { WEBHOOK_EVENTS } from '../webhooks';
import { Timestamp, Uuid } from './common';

const WebhookEvents = z.array(z.enum(WEBHOOK_EVENTS));

/** `POST /api/webhooks`: the only time the signing secret is shown. */
export const WebhookCreated = z.object({ id: Uuid, url: z.string(), events: WebhookEvents, secret: z.string(), created_at: Timestamp });
export type WebhookCreated = z.infer<typeof WebhookCreated>;

/** One entry of `GET /api/webhooks`, without its secret. */
export const WebhookListItem = z.object({
	id: Uuid,
	url: z.string(),
	events: WebhookEvents,
	key_id: Uuid.nullable(),
	created_at: Timestamp
});
export type WebhookListItem = z.infer<typeof WebhookListItem>;

export const WebhookDeleted = z.object({ id: Uuid, deleted: z.literal(true) });
export type WebhookDeleted = z.infer<typeof WebhookDeleted>;

export const KeyRevoked = z.object({ id: Uuid, revoked: z.literal(true) });
export type KeyRevoked = z.infer<typeof KeyRevoked>;

/** The seed's `GET /api/health`: answers once the hub has started. */
export const HealthView = z.object({ ok: z.literal(true), hub: z.string(), database: z.enum(['postgres', 'pglite']) });
export type HealthView = z.infer<typeof HealthView>;
