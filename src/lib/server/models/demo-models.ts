import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import path from 'node:path';
import type { Db } from '../db';
import type { BlobStore } from './blob-store';
import { getModel } from './model-queries';
import { importModelFolder } from './import-model';
import { writeModelFolder } from './demo/write-model-folder';

/** The demo embedding model every fresh hub has, so a new user can submit a job at once. */
export const DEMO_EMBEDDING_MODEL = 'demo-embedding';

/**
 * Generates the demo model (deterministically: the same bytes every time) and imports it through the
 * same Hugging Face folder path an operator's model takes, unless it is already stored intact.
 */
export async function ensureDemoModels(db: Db, blobs: BlobStore, dataDir: string): Promise<void> {
	const existing = await getModel(db, DEMO_EMBEDDING_MODEL);
	if (existing && (await Promise.all(existing.files.map((f) => blobs.has(f.sha256)))).every(Boolean)) return;
	// A folder of this process's own: hub processes sharing a data folder may start at the same moment.
	await mkdir(dataDir, { recursive: true });
	const dir = await mkdtemp(path.join(dataDir, '.demo-'));
	try {
		await writeModelFolder(dir, { layout: 'pooled', size: 'demo' });
		await importModelFolder(db, blobs, dir, { id: DEMO_EMBEDDING_MODEL, taskType: 'embedding', source: 'demo' });
	} finally {
		await rm(dir, { recursive: true, force: true });
	}
}
