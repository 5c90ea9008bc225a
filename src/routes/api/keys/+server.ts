/** Submitters' API keys: the admin mints and lists them. */
import { json } from '@sveltejs/kit';
import { MintKeyRequest } from '$lib/protocol/api-keys';
import { listKeys, mintKey } from '$lib/server/auth/api-keys';
import { recordAudit } from '$lib/server/audit/audit-log';
import { readJson, requireAdmin, withApiErrors } from '$lib/server/http/api';
import { keyView, mintedKeyView } from '$lib/server/http/key-views';
import type { RequestHandler } from './$types';

/** Mints a key; the answer holds the key itself, the only time it is shown (the hub keeps its sha256). */
export const POST: RequestHandler = withApiErrors(async (event) => {
	const {
		request,
		locals: { hub }
	} = event;
	await requireAdmin(hub, request);
	const body = await readJson(request, MintKeyRequest, 4 * 1024);
	const minted = await mintKey(hub.db, {
		name: body.name,
		jobsPerDay: body.quotas?.jobs_per_day,
		inputsPerDay: body.quotas?.inputs_per_day
	});
	await recordAudit(hub.db, {
		actor: 'admin',
		action: 'key.minted',
		target: minted.id,
		// The prefix names the key; the key itself never enters the log.
		detail: { name: minted.name, prefix: minted.prefix, quotas: body.quotas ?? null },
		clientAddress: event.getClientAddress()
	});
	return json(mintedKeyView(minted), { status: 201, headers: { 'cache-control': 'no-store' } });
});

export const GET: RequestHandler = withApiErrors(async ({ request, locals: { hub } }) => {
	await requireAdmin(hub, request);
	return json((await listKeys(hub.db)).map(keyView));
});
