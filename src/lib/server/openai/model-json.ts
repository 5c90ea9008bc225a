import { readFile } from 'node:fs/promises';
import type { BlobStore } from '../models/blob-store';
import type { ModelManifest } from '../../protocol/models';

/** Parsed files kept in memory, by content hash; a hub serves a handful of models, each with a few such files. */
const MAX_CACHED = 64;
const cache = new Map<string, Promise<unknown>>();

/**
 * A JSON file of a model (`tokenizer.json`, `config.json`…) from the hub's store; null when the model has
 * none. The store is content-addressed, so a file read once is that file for good: it is kept parsed, and a
 * /v1 request does not read and parse its model's config again (shared between callers: read, never change).
 */
export function readModelJson(blobs: BlobStore, model: ModelManifest, filePath: string): Promise<unknown> {
	const file = model.files.find((f) => f.path === filePath);
	if (!file) return Promise.resolve(null);
	let parsed = cache.get(file.sha256);
	if (!parsed) {
		parsed = readFile(blobs.path(file.sha256)!, 'utf8').then((text) => JSON.parse(text) as unknown);
		// A failed read is not kept: the next request tries again.
		parsed.catch(() => cache.delete(file.sha256));
		cache.set(file.sha256, parsed);
		if (cache.size > MAX_CACHED) cache.delete(cache.keys().next().value!);
	}
	return parsed;
}
