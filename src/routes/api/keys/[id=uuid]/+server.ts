import { json } from '@sveltejs/kit';
import { revokeKey } from '$lib/server/auth/api-keys';
import { recordAudit } from '$lib/server/audit/audit-log';
import { ApiError, requireAdmin, withApiErrors } from '$lib/server/http/api';
import type { KeyRevoked } from '$lib/protocol/rest/misc';
import type { RequestHandler } from './$types';

/** Revokes a key: every later request with it is a 401. Its jobs run on and stay readable by the admin. */
export const DELETE: RequestHandler = withApiErrors(async (event) => {
	const {
		request,
		params: { id },
		locals: { hub }
	} = event;
	await requireAdmin(hub, request);
	if (!(await revokeKey(hub.db, id))) throw new ApiError(404, `no live key "${id}"`);
	await recordAudit(hub.db, { actor: 'admin', action: 'key.revoked', target: id, clientAddress: event.getClientAddress() });
	return json({ id, revoked: true } satisfies KeyRevoked);
});
