import { json } from '@sveltejs/kit';
import { recordAudit } from '$lib/server/audit/audit-log';
import { ApiError, requirePrincipal, withApiErrors } from '$lib/server/http/api';
import { disableWebhook } from '$lib/server/webhooks/webhook-queries';
import type { WebhookDeleted } from '$lib/protocol/rest/misc';
import type { RequestHandler } from './$types';

/** Deletes a webhook: nothing more is sent to it, its pending deliveries included. Another caller's is a 404. */
export const DELETE: RequestHandler = withApiErrors(async (event) => {
	const {
		request,
		params: { id },
		locals: { hub }
	} = event;
	const principal = await requirePrincipal(hub, request);
	if (!(await disableWebhook(hub.db, principal, id))) throw new ApiError(404, `no webhook "${id}"`);
	await recordAudit(hub.db, {
		actor: principal.kind === 'admin' ? 'admin' : principal.id,
		action: 'webhook.deleted',
		target: id,
		clientAddress: event.getClientAddress()
	});
	return json({ id, deleted: true } satisfies WebhookDeleted);
});
