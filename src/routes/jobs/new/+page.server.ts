import { getHub } from '$lib/server/runtime';
import { listModels } from '$lib/server/models/model-queries';

export async function load() {
	const hub = await getHub();
	const models = await listModels(hub.db);
	return {
		models: models.map((m) => ({ id: m.id, taskTypes: m.taskTypes })),
		limits: { ...hub.config.limits, maxImageBytes: hub.config.images.maxBytes }
	};
}
