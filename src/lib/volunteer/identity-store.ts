/**
 * The signed identity the hub issued this volunteer, kept in IndexedDB (idb-keyval) so the same
 * volunteer, with its credit, comes back after a reload or a browser restart.
 */
import { get, set, del } from 'idb-keyval';

const KEY = 'exostack:identity';

export async function loadIdentity(): Promise<string | null> {
	try {
		return (await get<string>(KEY)) ?? null;
	} catch {
		return null; // private mode or storage disabled: a fresh identity each visit
	}
}

export async function saveIdentity(identity: string): Promise<void> {
	await set(KEY, identity).catch(() => {});
}

export async function forgetIdentity(): Promise<void> {
	await del(KEY).catch(() => {});
}
