import { json } from '@sveltejs/kit';
import { ApiError, withApiErrors } from '$lib/server/http/api';
import { modelView } from '$lib/server/http/model-views';
import { getModel } from '$lib/server/models/model-queries';
import type { RequestHandler } from './$types';

export const GET: RequestHandler = withApiErrors(async ({ params, locals: { hub } }) => {
	const model = await getModel(hub.db, params.id);
	if (!model) throw new ApiError(404, `unknown model "${params.id}"`);
	return json(modelView(model));
});
