/**
 * The signed identity the hub issued this volunteer, kept in IndexedDB (idb-keyval) so the same
 * volunteer, with its credit, comes back after a reload or a browser restart.
 */
import { z } from 'zod';
import { StoredValue } from '$lib/storage/typed-store';

/** `<volunteer id>.<signature>`, as src/lib/server/auth/identity.ts issues it; the hub verifies it. */
const identity = new StoredValue('exostack:identity', z.string().min(3).max(200));

export async function loadIdentity(): Promise<string | null> {
	return (await identity.get()) ?? null; // absent, unreadable or storage disabled: the hub issues a fresh one
}

export async function saveIdentity(value: string): Promise<void> {
	await identity.set(value);
}
