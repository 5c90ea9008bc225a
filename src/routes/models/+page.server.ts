import { listModels } from '$lib/server/models/model-queries';
import { modelVariants } from '$lib/protocol/variants';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals: { hub } }) => {
	const models = await listModels(hub.db);
	return {
		models: models.map((m) => ({
			id: m.id,
			taskTypes: m.taskTypes,
			source: m.source,
			variants: modelVariants(m),
			bytes: m.files.reduce((n, f) => n + f.size, 0)
		})),
		hfEndpoint: hub.config.huggingFace.endpoint
	};
};
