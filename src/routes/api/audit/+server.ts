import { json } from '@sveltejs/kit';
import { listAudit } from '$lib/server/audit/audit-log';
import { ApiError, requireAdmin, withApiErrors } from '$lib/server/http/api';
import { auditEntryView } from '$lib/server/http/key-views';
import type { RequestHandler } from './$types';

/** The audit log, oldest first from `?after=<id>` (default 0), at most `?limit=` (default 100, at most 1000) entries. Admin only. */
export const GET: RequestHandler = withApiErrors(async ({ request, url, locals: { hub } }) => {
	await requireAdmin(hub, request);
	const after = Number(url.searchParams.get('after') ?? 0);
	const limit = Number(url.searchParams.get('limit') ?? 100);
	if (!Number.isSafeInteger(after) || after < 0) throw new ApiError(400, 'after must be a non-negative integer (an entry id)');
	if (!Number.isSafeInteger(limit) || limit < 1 || limit > 1000) throw new ApiError(400, 'limit must be an integer from 1 to 1000');
	return json((await listAudit(hub.db, after, limit)).map(auditEntryView));
});
