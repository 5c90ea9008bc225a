/** The webhook endpoints' answers, typed by the contract (protocol/rest/misc.ts). Never a stored secret but at creation. */
import type { WebhookCreated, WebhookListItem } from '../../protocol/rest/misc';
import type { createWebhook, listWebhooks } from '../webhooks/webhook-queries';
import { WEBHOOK_EVENTS, type WebhookEvent } from '../../protocol/webhooks';

/** The column is text[]; only registration writes it, from the enum, so this drops nothing but narrows the type. */
const isEvent = (e: string): e is WebhookEvent => (WEBHOOK_EVENTS as readonly string[]).includes(e);

export function webhookCreatedView(
	w: NonNullable<Awaited<ReturnType<typeof createWebhook>>>,
	url: string,
	events: WebhookEvent[]
): WebhookCreated {
	return { id: w.id, url, events, secret: w.secret, created_at: w.createdAt.toISOString() };
}

export const webhookListItemView = (w: Awaited<ReturnType<typeof listWebhooks>>[number]): WebhookListItem => ({
	id: w.id,
	url: w.url,
	events: w.events.filter(isEvent),
	key_id: w.keyId,
	created_at: w.createdAt.toISOString()
});
