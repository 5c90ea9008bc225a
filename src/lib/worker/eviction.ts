/** What the model cache knows of one stored file. */
export interface CachedFileInfo {
	sha256: string;
	size: number;
	/** Epoch ms of the last time a task read it; 0 when unknown (stored by a run that crashed before noting it). */
	lastUsed: number;
}

/**
 * The files to delete, least recently used first, so that `incoming` more bytes fit within `budget`.
 * When the incoming file is larger than the whole budget it returns null and deletes nothing: the caller
 * runs that file without storing it rather than emptying the cache for it.
 */
export function planEviction(files: CachedFileInfo[], budget: number, incoming: number): CachedFileInfo[] | null {
	if (incoming > budget) return null;
	let total = files.reduce((n, f) => n + f.size, 0) + incoming;
	const victims: CachedFileInfo[] = [];
	const oldestFirst = [...files].sort((a, b) => a.lastUsed - b.lastUsed);
	for (const file of oldestFirst) {
		if (total <= budget) break;
		victims.push(file);
		total -= file.size;
	}
	return victims;
}
