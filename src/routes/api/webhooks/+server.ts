/**
 * Webhooks: a submitter's API key registers, lists and deletes its own; the admin token does the same for
 * webhooks told about the jobs it submits itself, and lists (and may delete) everyone's.
 */
import { json } from '@sveltejs/kit';
import { RegisterWebhookRequest } from '$lib/protocol/webhooks';
import { recordAudit } from '$lib/server/audit/audit-log';
import { ApiError, readJson, requirePrincipal, withApiErrors } from '$lib/server/http/api';
import { checkWebhookUrl } from '$lib/server/webhooks/url-guard';
import { createWebhook, listWebhooks, MAX_WEBHOOKS_PER_OWNER } from '$lib/server/webhooks/webhook-queries';
import { webhookCreatedView, webhookListItemView } from '$lib/server/http/webhook-views';
import type { RequestHandler } from './$types';

/** Registers a webhook; the answer holds its signing secret, the only time it is shown. */
export const POST: RequestHandler = withApiErrors(async (event) => {
	const {
		request,
		locals: { hub }
	} = event;
	const principal = await requirePrincipal(hub, request);
	const body = await readJson(request, RegisterWebhookRequest, 8 * 1024);
	const url = await checkWebhookUrl(body.url, hub.config.webhooks).catch((e: Error) => {
		throw new ApiError(400, `invalid webhook url: ${e.message}`);
	});
	const created = await createWebhook(hub.db, principal, url.href, body.events);
	if (!created) throw new ApiError(409, `this caller already has ${MAX_WEBHOOKS_PER_OWNER} webhooks; delete one first`);
	await recordAudit(hub.db, {
		actor: principal.kind === 'admin' ? 'admin' : principal.id,
		action: 'webhook.created',
		target: created.id,
		// Never the secret.
		detail: { url: url.href, events: body.events },
		clientAddress: event.getClientAddress()
	});
	return json(webhookCreatedView(created, url.href, body.events), { status: 201, headers: { 'cache-control': 'no-store' } });
});

/** The caller's live webhooks (the admin's: all), without secrets. */
export const GET: RequestHandler = withApiErrors(async ({ request, locals: { hub } }) => {
	const principal = await requirePrincipal(hub, request);
	return json((await listWebhooks(hub.db, principal)).map(webhookListItemView));
});
