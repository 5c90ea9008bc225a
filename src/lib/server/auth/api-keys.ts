/**
 * Submitters' API keys: minted by the admin, shown once, stored as a sha256. A key is 32 random bytes,
 * so a fast hash is enough: slow password hashes (bcrypt, argon2) exist to make guessing low-entropy
 * secrets expensive, and guessing 256 random bits is already out of reach; a fast hash lets every
 * request be checked by one indexed lookup instead of a deliberately slow computation.
 */
import { createHash, randomBytes } from 'node:crypto';
import { and, desc, eq, gt, isNull, sql } from 'drizzle-orm';
import type { Db } from '../db';
import { apiKeys, jobs } from '../db/schema';

/** Submitter keys start so; the admin token starts `exo_`, so a key and the admin token are told apart at a glance. */
const KEY_PREFIX = 'exok_';
/** Characters of a key kept in clear to name it (`exok_` and 8 of the random part: not enough to guess the rest). */
const VISIBLE = KEY_PREFIX.length + 8;

export function hashKey(key: string): string {
	return createHash('sha256').update(key).digest('hex');
}

export interface MintedKey {
	id: string;
	name: string;
	prefix: string;
	/** The key itself: returned this once and never stored. */
	key: string;
	createdAt: Date;
	jobsPerDay: number | null;
	inputsPerDay: number | null;
}

export async function mintKey(
	db: Db,
	input: { name: string; jobsPerDay?: number | null; inputsPerDay?: number | null }
): Promise<MintedKey> {
	const key = KEY_PREFIX + randomBytes(32).toString('base64url');
	const [row] = await db
		.insert(apiKeys)
		.values({
			name: input.name,
			prefix: key.slice(0, VISIBLE),
			keyHash: hashKey(key),
			jobsPerDay: input.jobsPerDay ?? null,
			inputsPerDay: input.inputsPerDay ?? null
		})
		.returning();
	return {
		id: row.id,
		name: row.name,
		prefix: row.prefix,
		key,
		createdAt: row.createdAt,
		jobsPerDay: row.jobsPerDay,
		inputsPerDay: row.inputsPerDay
	};
}

export type KeyRow = typeof apiKeys.$inferSelect;

/** The live (not revoked) key a bearer names, marking it used (at most once a minute: a read per request, not a write). */
export async function findLiveKey(db: Db, key: string): Promise<KeyRow | null> {
	if (!key.startsWith(KEY_PREFIX)) return null;
	const [row] = await db
		.select()
		.from(apiKeys)
		.where(and(eq(apiKeys.keyHash, hashKey(key)), isNull(apiKeys.revokedAt)));
	if (!row) return null;
	if (!row.lastUsedAt || Date.now() - row.lastUsedAt.getTime() > 60_000)
		await db
			.update(apiKeys)
			.set({ lastUsedAt: sql`now()` })
			.where(eq(apiKeys.id, row.id));
	return row;
}

export interface KeyListing extends Omit<KeyRow, 'keyHash'> {
	jobsToday: number;
	inputsToday: number;
}

/** Every key, newest first, with what it queued in the last day; never the hash. */
export async function listKeys(db: Db): Promise<KeyListing[]> {
	const dayAgo = sql`now() - interval '1 day'`;
	const usage = db
		.select({
			ownerKeyId: jobs.ownerKeyId,
			jobsToday: sql<number>`count(*)::int`.as('jobs_today'),
			inputsToday: sql<number>`coalesce(sum(${jobs.totalInputs}), 0)::int`.as('inputs_today')
		})
		.from(jobs)
		.where(gt(jobs.createdAt, dayAgo))
		.groupBy(jobs.ownerKeyId)
		.as('usage');
	const rows = await db
		.select({
			id: apiKeys.id,
			name: apiKeys.name,
			prefix: apiKeys.prefix,
			jobsPerDay: apiKeys.jobsPerDay,
			inputsPerDay: apiKeys.inputsPerDay,
			createdAt: apiKeys.createdAt,
			lastUsedAt: apiKeys.lastUsedAt,
			revokedAt: apiKeys.revokedAt,
			jobsToday: sql<number>`coalesce(${usage.jobsToday}, 0)`,
			inputsToday: sql<number>`coalesce(${usage.inputsToday}, 0)`
		})
		.from(apiKeys)
		.leftJoin(usage, eq(usage.ownerKeyId, apiKeys.id))
		.orderBy(desc(apiKeys.createdAt));
	return rows.map((r) => ({ ...r, jobsToday: Number(r.jobsToday), inputsToday: Number(r.inputsToday) }));
}

/** Revokes a key for good; false when there is no such live key. Its jobs keep running and keep their owner. */
export async function revokeKey(db: Db, id: string): Promise<boolean> {
	const rows = await db
		.update(apiKeys)
		.set({ revokedAt: sql`now()` })
		.where(and(eq(apiKeys.id, id), isNull(apiKeys.revokedAt)))
		.returning({ id: apiKeys.id });
	return rows.length > 0;
}
