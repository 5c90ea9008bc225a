import type { Db } from '../db';
import type { BlobStore } from './blob-store';
import { saveModel } from './model-queries';
import type { ModelSource } from '../db/schema/states';
import { readHfFolder } from './read-hf-folder';
import { readMlcFolder } from './read-mlc-folder';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { MLC_CONFIG } from '../../protocol/web-llm';
import { ModelManifest, type TaskType } from '../../protocol/models';
import { rm } from 'node:fs/promises';
import { downloadHfRepo, type HfSource } from './hf-download';

/** Model ids: a name, optionally with one owner prefix as on the Hugging Face hub (`owner/name`). */
export const MODEL_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}(\/[A-Za-z0-9][A-Za-z0-9._-]{0,63})?$/;

/** A re-import under an id some job already used, with other files: refused, the old model stays. */
export class ModelInUseError extends Error {
	constructor(readonly id: string) {
		super(`model "${id}" is used by jobs and cannot be replaced; import the new files as a new version (e.g. "${id}-v2")`);
	}
}

export interface ImportOptions {
	id: string;
	taskType?: TaskType;
	source?: ModelSource;
}

/**
 * Imports a model folder in the common Hugging Face ONNX layout into the store: reads and checks it,
 * copies its files into the blob store under their sha256, and records (or replaces) the model.
 */
export async function importModelFolder(db: Db, blobs: BlobStore, dir: string, opts: ImportOptions): Promise<ModelManifest> {
	if (!MODEL_ID.test(opts.id)) throw new Error(`invalid model id "${opts.id}": use letters, digits, . _ - and at most one /`);
	// A WebLLM (MLC) build has mlc-chat-config.json instead of an ONNX graph.
	const folder = existsSync(path.join(dir, MLC_CONFIG))
		? await readMlcFolderNamed(dir)
		: await readHfFolder(dir, { taskType: opts.taskType });
	const files = [];
	for (const f of folder.files) files.push({ path: f.path, ...(await blobs.put(f.absPath)) });
	const manifest = ModelManifest.parse({
		id: opts.id,
		taskTypes: folder.taskTypes,
		files,
		...(folder.embedding ? { embedding: folder.embedding } : {})
	});
	if ((await saveModel(db, manifest, opts.source ?? 'import')) === 'in-use') throw new ModelInUseError(opts.id);
	return manifest;
}

/**
 * Imports a repository from a Hugging Face hub: downloads and verifies its files into a scratch folder
 * under `scratchDir`, imports that folder as any other, and removes it. The id defaults to the repo id.
 */
export async function importHfRepo(
	db: Db,
	blobs: BlobStore,
	repo: string,
	opts: Pick<ImportOptions, 'taskType'> & { id?: string; revision?: string; scratchDir: string; hub: HfSource }
): Promise<ModelManifest> {
	const dir = await downloadHfRepo(repo, opts.revision ?? 'main', opts.scratchDir, opts.hub);
	try {
		return await importModelFolder(db, blobs, dir, { id: opts.id ?? repo, taskType: opts.taskType, source: 'import' });
	} finally {
		await rm(dir, { recursive: true, force: true });
	}
}

async function readMlcFolderNamed(dir: string) {
	try {
		return await readMlcFolder(dir);
	} catch (err) {
		throw new Error(`model folder ${dir}: ${(err as Error).message}`, { cause: err });
	}
}
