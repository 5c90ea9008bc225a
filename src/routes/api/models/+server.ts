import { json } from '@sveltejs/kit';
import { z } from 'zod';
import { getHub } from '$lib/server/runtime';
import { ApiError, readJson, requireToken, withApiErrors } from '$lib/server/http/api';
import { modelView } from '$lib/server/http/model-views';
import { listModels } from '$lib/server/models/model-queries';
import { importModelFolder } from '$lib/server/models/import-model';
import { TaskType } from '$lib/protocol/models';

export const GET = withApiErrors(async () => {
	const hub = await getHub();
	return json((await listModels(hub.db)).map(modelView));
});

const ImportRequest = z.strictObject({
	/** A folder on the hub's own disk, in the Hugging Face ONNX layout. */
	path: z.string().min(1),
	id: z.string().min(1),
	task_type: TaskType.optional()
});

/** Imports (or replaces) a model from a folder on the hub's disk. Needs the API token. */
export const POST = withApiErrors(async ({ request }) => {
	const hub = await getHub();
	requireToken(hub, request);
	const body = await readJson(request, ImportRequest, 64 * 1024);
	try {
		const manifest = await importModelFolder(hub.db, hub.blobs, body.path, { id: body.id, taskType: body.task_type });
		hub.models.forget(manifest.id);
		return json(modelView({ ...manifest, source: 'import' }), { status: 201 });
	} catch (e) {
		throw new ApiError(400, `could not import ${body.path}: ${(e as Error).message}`);
	}
});
