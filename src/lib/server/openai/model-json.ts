import { readFile } from 'node:fs/promises';
import type { BlobStore } from '../models/blob-store';
import type { ModelManifest } from '../../protocol/models';

/** A JSON file of a model (`tokenizer.json`, `config.json`…) from the hub's store; null when the model has none. */
export async function readModelJson(blobs: BlobStore, model: ModelManifest, filePath: string): Promise<unknown> {
	const file = model.files.find((f) => f.path === filePath);
	if (!file) return null;
	return JSON.parse(await readFile(blobs.path(file.sha256)!, 'utf8'));
}
