/**
 * What the page shows of this volunteer's storage: the model cache (size, budget), the download in
 * progress, the browser's usage and quota for this site, and whether the storage is persistent (the
 * browser will not clear it under disk pressure without asking).
 */
import type { FileEvent, ModelCacheStats } from '$lib/protocol/worker-messages';

export class ModelStorage {
	#cache = $state<ModelCacheStats | null | undefined>(undefined);
	#download = $state<{ path: string; received: number; total: number } | null>(null);
	#usage = $state<number | null>(null);
	#quota = $state<number | null>(null);
	#persisted = $state<boolean | null>(null);

	/** undefined until the worker reports; null when this origin has no Cache Storage (plain http). */
	get cache() {
		return this.#cache;
	}

	/** The model file being downloaded now, if any. */
	get download() {
		return this.#download;
	}

	/** Bytes this site stores, as the browser estimates them; null when it will not say. */
	get usage() {
		return this.#usage;
	}

	get quota() {
		return this.#quota;
	}

	/** Whether the browser keeps this site's storage under disk pressure; null when it will not say. */
	get persisted() {
		return this.#persisted;
	}

	/** Asks the browser to keep this site's storage (models are large; re-downloading them is the cost of eviction). */
	async init(): Promise<void> {
		const storage = navigator.storage;
		if (!storage?.persisted) return;
		this.#persisted = (await storage.persisted().catch(() => false)) || (await storage.persist().catch(() => false));
		await this.refresh();
	}

	async refresh(): Promise<void> {
		const estimate = await navigator.storage?.estimate?.().catch(() => null);
		this.#usage = estimate?.usage ?? null;
		this.#quota = estimate?.quota ?? null;
	}

	/** Takes in a report from the worker; returns a line for the activity log when the event is worth one. */
	record(event: FileEvent | null, cache?: ModelCacheStats | null): string | null {
		if (cache !== undefined) this.#cache = cache;
		if (!event) return null;
		if (event.kind === 'download') {
			this.#download = event.received < event.total ? { path: event.path, received: event.received, total: event.total } : null;
			return event.received === 0 ? `downloading ${event.path} (${formatBytes(event.total)})` : null;
		}
		if (event.kind !== 'hit') void this.refresh();
		switch (event.kind) {
			case 'hit':
				return `${event.path}: from the model cache, verified`;
			case 'stored':
				return `${event.path}: downloaded, verified and cached (${formatBytes(event.size)})`;
			case 'corrupt':
				return `${event.path}: the cached copy failed verification; deleted, fetching it again`;
			case 'too-large':
				return `${event.path}: does not fit the storage budget; used without caching`;
			case 'evicted':
				return `freed ${formatBytes(event.size)}: evicted the least recently used model file ${event.sha256.slice(0, 12)}…`;
		}
	}
}

export function formatBytes(n: number): string {
	const units = ['B', 'KB', 'MB', 'GB', 'TB'];
	let i = 0;
	while (n >= 1000 && i < units.length - 1) {
		n /= 1000;
		i++;
	}
	return `${n.toFixed(i === 0 || n >= 100 ? 0 : 1)} ${units[i]}`;
}
