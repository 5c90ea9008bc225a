import { json } from '@sveltejs/kit';
import { getHub } from '$lib/server/runtime';
import { ApiError, withApiErrors } from '$lib/server/http/api';
import { modelView } from '$lib/server/http/model-views';
import { getModel } from '$lib/server/models/model-queries';

export const GET = withApiErrors(async ({ params }) => {
	const hub = await getHub();
	const model = await getModel(hub.db, params.id ?? '');
	if (!model) throw new ApiError(404, `unknown model "${params.id}"`);
	return json(modelView(model));
});
