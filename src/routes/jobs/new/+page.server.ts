import { listModels } from '$lib/server/models/model-queries';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals: { hub } }) => {
	const models = await listModels(hub.db);
	return {
		models: models.map((m) => ({ id: m.id, taskTypes: m.taskTypes })),
		limits: { ...hub.config.limits, maxImageBytes: hub.config.images.maxBytes }
	};
};
