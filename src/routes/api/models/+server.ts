import { json } from '@sveltejs/kit';
import path from 'node:path';
import { ApiError, readJson, requireAdmin, withApiErrors } from '$lib/server/http/api';
import { modelView } from '$lib/server/http/model-views';
import { listModels } from '$lib/server/models/model-queries';
import { importHfRepo, importModelFolder, ModelInUseError } from '$lib/server/models/import-model';
import { ImportModelRequest } from '$lib/protocol/rest/models';
import { forgetWebLlmModels } from '$lib/server/models/web-llm-gating';
import { recordAudit } from '$lib/server/audit/audit-log';
import type { Hub } from '$lib/server/hub';
import type { RequestHandler } from './$types';

export const GET: RequestHandler = withApiErrors(async ({ locals: { hub } }) => {
	return json((await listModels(hub.db)).map(modelView));
});

/**
 * Imports a model from a folder on the hub's disk or a Hugging Face repository. Needs the admin token.
 * An id no job has used may be imported again (replaced); one a job used is immutable (409).
 */
export const POST: RequestHandler = withApiErrors(async (event) => {
	const {
		request,
		locals: { hub }
	} = event;
	await requireAdmin(hub, request);
	const body = await readJson(request, ImportModelRequest, 64 * 1024);
	const from = 'path' in body ? body.path : `${body.hf} from ${hub.config.huggingFace.endpoint}`;
	const manifest = await importFrom(hub, body).catch((e: unknown) => {
		if (e instanceof ModelInUseError) throw new ApiError(409, e.message);
		throw new ApiError(400, `could not import ${from}: ${(e as Error).message}`);
	});
	hub.models.forget(manifest.id);
	forgetWebLlmModels(hub.db);
	// After the import, outside its error handling: a failed audit write is a 500, never "could not import".
	await recordAudit(hub.db, {
		actor: 'admin',
		action: 'model.imported',
		target: manifest.id,
		detail: { from, files: manifest.files.map((f) => ({ path: f.path, sha256: f.sha256 })) },
		clientAddress: event.getClientAddress()
	});
	return json(modelView({ ...manifest, source: 'import' }), { status: 201 });
});

function importFrom(hub: Hub, body: ImportModelRequest) {
	return 'path' in body
		? importModelFolder(hub.db, hub.blobs, body.path, { id: body.id, taskType: body.task_type })
		: importHfRepo(hub.db, hub.blobs, body.hf, {
				id: body.id,
				taskType: body.task_type,
				revision: body.revision,
				scratchDir: path.join(hub.config.dataDir, 'imports'),
				hub: hub.config.huggingFace
			});
}
