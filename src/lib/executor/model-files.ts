import { blobUrl, type ModelFile, type ModelManifest } from '../protocol/models';

/** Where model bytes come from: the hub over HTTP, a browser cache, a local folder. */
export interface ModelFileSource {
	read(file: ModelFile): Promise<Uint8Array>;
}

export async function sha256Hex(bytes: Uint8Array): Promise<string> {
	const digest = await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>);
	return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}

/** Refuses bytes whose sha256 is not the one the manifest promised: a corrupted or tampered file is never run. */
export async function verifyFile(file: ModelFile, bytes: Uint8Array): Promise<void> {
	const actual = await sha256Hex(bytes);
	if (actual !== file.sha256) throw new Error(`${file.path} failed verification: sha256 ${actual}, expected ${file.sha256}`);
}

/**
 * Fetches model files from a hub's content-addressed store and checks every byte against the sha256
 * the manifest promises, so a corrupted or tampered file is refused, never run.
 */
export function hubFileSource(hubUrl: string, fetcher: typeof fetch = fetch): ModelFileSource {
	return {
		async read(file) {
			const response = await fetcher(new URL(blobUrl(file.sha256), hubUrl));
			if (!response.ok) throw new Error(`could not fetch ${file.path}: HTTP ${response.status}`);
			const bytes = new Uint8Array(await response.arrayBuffer());
			await verifyFile(file, bytes);
			return bytes;
		}
	};
}

export function findFile(model: ModelManifest, path: string): ModelFile | undefined {
	return model.files.find((f) => f.path === path);
}

/** Reads a JSON file of a model, or `fallback` when the model has no such file. */
export async function readJsonFile(source: ModelFileSource, model: ModelManifest, path: string, fallback?: unknown): Promise<unknown> {
	const file = findFile(model, path);
	if (!file) {
		if (fallback !== undefined) return fallback;
		throw new Error(`model ${model.id} has no ${path}`);
	}
	return JSON.parse(new TextDecoder().decode(await source.read(file)));
}
