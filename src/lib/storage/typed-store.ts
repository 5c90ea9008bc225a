/**
 * Small typed stores over idb-keyval, for what a volunteer keeps between visits (identity, settings,
 * checkpoints, the model cache's bookkeeping). Every read is parsed with a zod schema, so data written
 * by an older version, or tampered with, reads as absent instead of flowing on with the wrong shape.
 * Storage that is unavailable (private mode, disabled) reads as absent and ignores writes: a volunteer
 * without it still works, it just starts afresh each visit. Works on the page and in workers.
 */
import { createStore, del, entries, get, set, type UseStore } from 'idb-keyval';
import type { z } from 'zod';

/** One value under one key, in idb-keyval's default database unless a store is given. */
export class StoredValue<T> {
	constructor(
		readonly key: string,
		private readonly schema: z.ZodType<T>,
		private readonly store?: UseStore
	) {}

	async get(): Promise<T | undefined> {
		try {
			const parsed = this.schema.safeParse(await get(this.key, this.store));
			return parsed.success ? parsed.data : undefined;
		} catch {
			return undefined;
		}
	}

	async set(value: T): Promise<void> {
		const valid = this.schema.parse(value);
		await quietly(() => set(this.key, valid, this.store));
	}

	async delete(): Promise<void> {
		await quietly(() => del(this.key, this.store));
	}
}

/** Many values of one shape, keyed by string, in their own IndexedDB database. */
export class StoredMap<T> {
	private readonly store: UseStore | null;

	constructor(
		dbName: string,
		private readonly schema: z.ZodType<T>
	) {
		this.store = typeof indexedDB === 'undefined' ? null : createStore(dbName, 'entries');
	}

	async get(key: string): Promise<T | undefined> {
		if (!this.store) return undefined;
		try {
			const parsed = this.schema.safeParse(await get(key, this.store));
			return parsed.success ? parsed.data : undefined;
		} catch {
			return undefined;
		}
	}

	async set(key: string, value: T): Promise<void> {
		const valid = this.schema.parse(value);
		if (this.store) await quietly(() => set(key, valid, this.store!));
	}

	async delete(key: string): Promise<void> {
		if (this.store) await quietly(() => del(key, this.store!));
	}

	/** Every valid entry; entries that fail the schema are left out. */
	async entries(): Promise<[string, T][]> {
		if (!this.store) return [];
		const all = await entries<IDBValidKey, unknown>(this.store).catch(() => []);
		const valid: [string, T][] = [];
		for (const [key, value] of all) {
			const parsed = this.schema.safeParse(value);
			if (typeof key === 'string' && parsed.success) valid.push([key, parsed.data]);
		}
		return valid;
	}
}

/** A write that storage refuses (quota, private mode, no IndexedDB) is dropped, not thrown. */
async function quietly(write: () => Promise<void>): Promise<void> {
	try {
		await write();
	} catch {
		// nothing to do: the value lives for this visit only
	}
}
