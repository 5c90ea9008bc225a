/**
 * Model files in Cache Storage, keyed by their sha256, so a volunteer downloads a model once, not once per
 * task or per page load. Every read is verified against the sha256 before it is used: a corrupted or
 * tampered entry is deleted and fetched again, never run. The cache keeps to a byte budget by deleting
 * the least recently used files. Several tabs of one volunteer share the cache, and a Web Lock per file
 * makes the second tab wait for the first one's download instead of starting its own.
 *
 * Downloads bypass the HTTP cache (`no-store`): this cache already holds a verified copy, and a second
 * copy in the HTTP cache would only double the disk used.
 */
import { z } from 'zod';
import { blobUrl, type ModelFile } from '../protocol/models';
import type { FileEvent, ModelCacheStats } from '../protocol/worker-messages';
import { download } from '../executor/download';
import { fetchVerifiedBlob, sha256Hex, verifyFile, type ModelFileSource } from '../executor/model-files';
import { StoredMap } from '../storage/typed-store';
import { planEviction, type CachedFileInfo } from './eviction';

export const MODEL_CACHE_NAME = 'exostack-models';
/** Without a quota estimate, the budget a volunteer gets. */
const FALLBACK_BUDGET = 2 * 1024 ** 3;
/** Of the origin's quota, the share models may use by default (the rest: app shell, WASM, IndexedDB). */
const QUOTA_SHARE = 0.5;

const FileMeta = z.object({ path: z.string(), size: z.number().int().nonnegative(), lastUsed: z.number() });
type FileMeta = z.infer<typeof FileMeta>;

/** `stats`: the cache after the event; undefined when unchanged, null when there is no cache. */
export type CacheReport = (event: FileEvent | null, stats?: ModelCacheStats | null) => void;

export class ModelCache implements ModelFileSource {
	private readonly meta = new StoredMap('exostack-model-cache', FileMeta);
	private readonly inflight = new Map<string, Promise<Uint8Array>>();

	private constructor(
		private readonly hubUrl: string,
		private readonly budget: number,
		private readonly report: CacheReport
	) {}

	/** The model cache, or plain verified downloads where this origin has no Cache Storage (plain http off localhost). */
	static async open(hubUrl: string, budgetSetting: number, report: CacheReport): Promise<ModelFileSource> {
		if (typeof caches === 'undefined') {
			report(null, null);
			return { read: (file) => fetchVerified(hubUrl, file, report), readInput: (sha256) => fetchInput(hubUrl, sha256) };
		}
		const cache = new ModelCache(hubUrl, budgetSetting > 0 ? budgetSetting : await defaultBudget(), report);
		await cache.trim();
		return cache;
	}

	read(file: ModelFile): Promise<Uint8Array> {
		let pending = this.inflight.get(file.sha256);
		if (!pending) {
			pending = withLock(`exostack:model-file:${file.sha256}`, () => this.load(file)).finally(() => this.inflight.delete(file.sha256));
			this.inflight.set(file.sha256, pending);
		}
		return pending;
	}

	readInput(sha256: string): Promise<Uint8Array> {
		return fetchInput(this.hubUrl, sha256);
	}

	private async load(file: ModelFile): Promise<Uint8Array> {
		const cached = await this.readCached(file);
		if (cached) return cached;
		const bytes = await fetchVerified(this.hubUrl, file, this.report);
		await this.store(file, bytes);
		return bytes;
	}

	private async readCached(file: ModelFile): Promise<Uint8Array | null> {
		const cache = await caches.open(MODEL_CACHE_NAME);
		const response = await cache.match(this.key(file.sha256));
		if (!response) return null;
		const bytes = new Uint8Array(await response.arrayBuffer());
		if ((await sha256Hex(bytes)) !== file.sha256) {
			await cache.delete(this.key(file.sha256));
			await this.meta.delete(file.sha256);
			await this.emit({ kind: 'corrupt', path: file.path, sha256: file.sha256, size: file.size });
			return null;
		}
		await this.meta.set(file.sha256, { path: file.path, size: bytes.byteLength, lastUsed: Date.now() });
		await this.emit({ kind: 'hit', path: file.path, sha256: file.sha256, size: bytes.byteLength });
		return bytes;
	}

	private async store(file: ModelFile, bytes: Uint8Array): Promise<void> {
		const cache = await caches.open(MODEL_CACHE_NAME);
		// Least recently used first: the files this model just read are the newest, so they go last.
		const victims = planEviction(await this.entries(cache), this.budget, bytes.byteLength);
		const tooLarge = { kind: 'too-large', path: file.path, sha256: file.sha256, size: bytes.byteLength } as const;
		if (!victims) return this.emit(tooLarge);
		for (const victim of victims) await this.evict(cache, victim);
		const headers = {
			'content-type': 'application/octet-stream',
			'content-length': String(bytes.byteLength),
			'x-content-sha256': file.sha256
		};
		try {
			await cache.put(this.key(file.sha256), new Response(bytes as Uint8Array<ArrayBuffer>, { headers }));
		} catch {
			return this.emit(tooLarge); // the browser's own quota said no: run it from memory this time
		}
		await this.meta.set(file.sha256, { path: file.path, size: bytes.byteLength, lastUsed: Date.now() });
		await this.emit({ kind: 'stored', path: file.path, sha256: file.sha256, size: bytes.byteLength });
	}

	/** Brings the cache within the budget (it may have been lowered) and reports where it stands. */
	private async trim(): Promise<void> {
		const cache = await caches.open(MODEL_CACHE_NAME);
		for (const victim of planEviction(await this.entries(cache), this.budget, 0) ?? []) await this.evict(cache, victim);
		await this.emit(null);
	}

	private async evict(cache: Cache, file: CachedFileInfo): Promise<void> {
		await cache.delete(this.key(file.sha256));
		await this.meta.delete(file.sha256);
		await this.emit({ kind: 'evicted', sha256: file.sha256, size: file.size });
	}

	/** What the cache holds, sizes and last use from the bookkeeping; entries it lacks count as the oldest. */
	private async entries(cache: Cache): Promise<CachedFileInfo[]> {
		const known = new Map<string, FileMeta>(await this.meta.entries());
		const files: CachedFileInfo[] = [];
		for (const request of await cache.keys()) {
			const sha256 = new URL(request.url).pathname.split('/').pop() ?? '';
			const meta = known.get(sha256);
			const size = meta?.size ?? Number((await cache.match(request))?.headers.get('content-length') ?? 0);
			files.push({ sha256, size, lastUsed: meta?.lastUsed ?? 0 });
			known.delete(sha256);
		}
		for (const orphan of known.keys()) await this.meta.delete(orphan);
		return files;
	}

	private async emit(event: FileEvent | null): Promise<void> {
		const files = await this.entries(await caches.open(MODEL_CACHE_NAME));
		this.report(event, { bytes: files.reduce((n, f) => n + f.size, 0), files: files.length, budget: this.budget });
	}

	private key(sha256: string): string {
		return new URL(blobUrl(sha256), this.hubUrl).href;
	}
}

/** Downloads a file, reporting progress at most every 100 ms, and verifies it. */
async function fetchVerified(hubUrl: string, file: ModelFile, report: CacheReport): Promise<Uint8Array> {
	let last = 0;
	const progress = (received: number, total: number) => {
		if (received < total && performance.now() - last < 100) return;
		last = performance.now();
		report({ kind: 'download', path: file.path, sha256: file.sha256, received, total });
	};
	progress(0, file.size);
	const bytes = await download(new URL(blobUrl(file.sha256), hubUrl), file.size, { init: { cache: 'no-store' }, onProgress: progress });
	await verifyFile(file, bytes);
	return bytes;
}

/** Job inputs (uploaded images) skip the model cache: each is used by one task and would only evict models. */
function fetchInput(hubUrl: string, sha256: string): Promise<Uint8Array> {
	return fetchVerifiedBlob(hubUrl, sha256, `input ${sha256}`, { cache: 'no-store' });
}

async function defaultBudget(): Promise<number> {
	const quota = await navigator.storage?.estimate?.().then(
		(e) => e.quota,
		() => undefined
	);
	return quota ? Math.floor(quota * QUOTA_SHARE) : FALLBACK_BUDGET;
}

/** Runs `fn` holding a Web Lock, shared by every tab and worker of this origin (where the API exists). */
function withLock<T>(name: string, fn: () => Promise<T>): Promise<T> {
	const locks = (navigator as Navigator & { locks?: LockManager }).locks;
	return locks ? locks.request(name, fn) : fn();
}
