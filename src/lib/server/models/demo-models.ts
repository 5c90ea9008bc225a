import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import path from 'node:path';
import type { Db } from '../db';
import type { TaskType } from '../../protocol/models';
import type { BlobStore } from './blob-store';
import { getModel } from './model-queries';
import { importModelFolder } from './import-model';
import { buildModelFolder, writeFolder, type ModelFolder } from '../../demo-models/write-model-folder';
import { buildGpt2Folder } from '../../demo-models/gpt2-folder';
import { buildImageClassifierFolder, buildTextClassifierFolder } from '../../demo-models/classifier-folders';

/** The demo embedding model every fresh hub has, so a new user can submit a job at once. */
export const DEMO_EMBEDDING_MODEL = 'demo-embedding';
export const DEMO_TEXT_GENERATION_MODEL = 'demo-text-generation';
export const DEMO_CLASSIFIER_MODEL = 'demo-classifier';
export const DEMO_IMAGE_CLASSIFIER_MODEL = 'demo-image-classifier';

/** One demo per task type; the generator runs only when the model is missing or its files are not all stored. */
const DEMOS: { id: string; taskType: TaskType; build: () => ModelFolder }[] = [
	{ id: DEMO_EMBEDDING_MODEL, taskType: 'embedding', build: () => buildModelFolder({ layout: 'pooled', size: 'demo' }) },
	{ id: DEMO_TEXT_GENERATION_MODEL, taskType: 'text_generation', build: () => buildGpt2Folder({ variants: ['fp16', 'q8'] }) },
	{ id: DEMO_CLASSIFIER_MODEL, taskType: 'classification', build: () => buildTextClassifierFolder() },
	{ id: DEMO_IMAGE_CLASSIFIER_MODEL, taskType: 'image_classification', build: () => buildImageClassifierFolder() }
];

/**
 * Generates the demo models (deterministically: the same bytes every time) and imports each through
 * the same Hugging Face folder path an operator's model takes, unless it is already stored intact.
 */
export async function ensureDemoModels(db: Db, blobs: BlobStore, dataDir: string): Promise<void> {
	for (const demo of DEMOS) {
		const existing = await getModel(db, demo.id);
		if (existing && (await Promise.all(existing.files.map((f) => blobs.has(f.sha256)))).every(Boolean)) continue;
		// A folder of this process's own: hub processes sharing a data folder may start at the same moment.
		await mkdir(dataDir, { recursive: true });
		const dir = await mkdtemp(path.join(dataDir, '.demo-'));
		try {
			await writeFolder(dir, demo.build());
			await importModelFolder(db, blobs, dir, { id: demo.id, taskType: demo.taskType, source: 'demo' });
		} finally {
			await rm(dir, { recursive: true, force: true });
		}
	}
}
