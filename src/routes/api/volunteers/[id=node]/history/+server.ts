import { json } from '@sveltejs/kit';
import { ApiError, withApiErrors } from '$lib/server/http/api';
import { creditHistory, volunteerRecord } from '$lib/server/volunteers/credit-queries';
import type { RequestHandler } from './$types';

/** GET /api/volunteers/{id}/history?days=: credit per day with the running total. */
export const GET: RequestHandler = withApiErrors(async ({ params, url, locals: { hub } }) => {
	const days = Number(url.searchParams.get('days') ?? 30);
	if (!Number.isInteger(days) || days < 1 || days > 365) throw new ApiError(400, 'days must be a whole number from 1 to 365');
	if (!(await volunteerRecord(hub.db, params.id))) throw new ApiError(404, `no volunteer "${params.id}"`);
	return json(await creditHistory(hub.db, params.id, days));
});
