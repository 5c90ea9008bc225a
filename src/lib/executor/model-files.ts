import { blobUrl, type ModelFile, type ModelManifest } from '../protocol/models';

/** Where model bytes come from: the hub over HTTP, a browser cache, a local folder. */
export interface ModelFileSource {
	read(file: ModelFile): Promise<Uint8Array>;
	/**
	 * A job's input stored on the hub (an uploaded image), by sha256; its size is not known ahead. Sources
	 * that cache model files read inputs around the cache: an input is used by one task, a model by many.
	 * Sources without it read inputs with `read`.
	 */
	readInput?(sha256: string): Promise<Uint8Array>;
}

/** Fetches one blob of unknown size from a hub's store and checks it against its sha256. */
export async function fetchVerifiedBlob(hubUrl: string, sha256: string, what: string, init?: RequestInit): Promise<Uint8Array> {
	const response = await fetch(new URL(blobUrl(sha256), hubUrl), init);
	if (!response.ok) throw new Error(`could not fetch ${what}: HTTP ${response.status}`);
	const bytes = new Uint8Array(await response.arrayBuffer());
	await verifyFile({ path: what, sha256, size: bytes.byteLength }, bytes);
	return bytes;
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
