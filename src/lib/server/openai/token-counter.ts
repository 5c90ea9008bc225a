import type { BlobStore } from '../models/blob-store';
import type { ModelManifest } from '../../protocol/models';
import { TextTokenizer } from '../../executor/tokenize';
import { readModelJson } from './model-json';

/** Tokenizers kept in memory, by tokenizer file and length; a hub serves a handful of models. */
const MAX_CACHED = 16;
const cache = new Map<string, Promise<TextTokenizer>>();

/**
 * The model's own tokenizer (its tokenizer.json, read from the hub's store), to count `usage` the way the
 * volunteer's executor tokenizes: truncated to `maxLength` tokens, special tokens included.
 */
export function tokenizerFor(blobs: BlobStore, model: ModelManifest, maxLength = Number.MAX_SAFE_INTEGER): Promise<TextTokenizer> {
	const file = model.files.find((f) => f.path === 'tokenizer.json');
	if (!file) return Promise.reject(new Error(`model ${model.id} has no tokenizer.json`));
	const config = model.files.find((f) => f.path === 'tokenizer_config.json');
	const key = `${file.sha256}:${config?.sha256 ?? ''}:${maxLength}`;
	let tokenizer = cache.get(key);
	if (!tokenizer) {
		tokenizer = (async () =>
			new TextTokenizer(
				await readModelJson(blobs, model, 'tokenizer.json'),
				(await readModelJson(blobs, model, 'tokenizer_config.json')) ?? {},
				maxLength
			))();
		// A failed load is not kept: the next request tries again.
		tokenizer.catch(() => cache.delete(key));
		cache.set(key, tokenizer);
		if (cache.size > MAX_CACHED) cache.delete(cache.keys().next().value!);
	}
	return tokenizer;
}
