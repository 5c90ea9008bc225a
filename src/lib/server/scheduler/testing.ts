/** Fixtures for scheduler specs: a model, volunteers, jobs, claims and completions with small vectors. */
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { sql } from 'drizzle-orm';
import { models, volunteers } from '../db/schema';
import type { Database, Db } from '../db';
import { openTestDatabase, type TestDbKind } from '../db/testing';
import { createJob } from './create-job';
import { claimTasks } from './claim-tasks';
import type { ClaimRequest } from './types';
import type { PriorityName } from '../../protocol/jobs';
import { completeTask } from './complete-task';

export const policy = { maxFailures: 3, backoffMs: 0, tolerance: 1e-3 };
export const vec = (x: number) => [x, x + 1, x + 2];

/**
 * A spec's database of `kind`: opened once for the file, emptied and given `seed` before each test.
 * `open` receives it once it is open (the spec keeps it in its own `db`).
 */
export function seededDatabase(kind: TestDbKind, seed: (db: Db) => Promise<void>, open: (db: Db) => void) {
	let database: Database;
	beforeAll(async () => {
		database = await openTestDatabase(kind);
		open(database.db);
	});
	afterAll(() => database?.close());
	beforeEach(async () => {
		await resetTables(database.db);
		await seed(database.db);
	});
}

/** Empties every table a scheduler spec writes, so each test starts from nothing. */
export async function resetTables(db: Db) {
	await db.execute(sql`truncate models, jobs, tasks, results, accepted_results, credit_ledger, volunteers, volunteer_sessions cascade`);
}

/**
 * Moves every lease a second past its expiry, as the clock would: a test of the sweep then runs it at
 * once instead of sleeping until a short lease runs out (and racing the database's clock).
 */
export async function expireLeases(db: Db) {
	await db.execute(sql`update tasks set lease_expires_at = now() - interval '1 second' where state = 'leased'`);
}

export async function seedModel(db: Db, cost = 1) {
	await db.insert(models).values({
		id: 'm',
		taskTypes: ['embedding'],
		files: [{ path: 'onnx/model.onnx', sha256: 'a'.repeat(64), size: 1 }],
		embedding: { pooling: 'none', normalize: true, maxLength: 16, dimensions: 3, output: 'y' },
		cost,
		source: 'demo'
	});
}

export async function seedVolunteers(db: Db, ids: string[], consecutiveValid = 0) {
	await db.insert(volunteers).values(ids.map((id) => ({ id, consecutiveValid })));
}

/** A claim of one slot of embedding work by `volunteerId`'s one session, with `over` changed. */
export function claimRequest(volunteerId: string, over: Partial<ClaimRequest> = {}): ClaimRequest {
	return {
		sessionId: `session-of-${volunteerId}`,
		volunteerId,
		backendClass: 'wasm',
		slots: 1,
		taskTypes: ['embedding'],
		leaseMs: 60_000,
		...over
	};
}

export function claimFor(db: Db, volunteerId: string, over: Partial<ClaimRequest> = {}) {
	return claimTasks(db, claimRequest(volunteerId, over));
}

export function makeJob(
	db: Db,
	n: number,
	opts: { chunkSize?: number; replication?: number; priority?: PriorityName; chunkSizeAuto?: boolean } = {}
) {
	const inputs = Array.from({ length: n }, (_, i) => `input ${i}`);
	return createJob(db, {
		taskType: 'embedding',
		modelId: 'm',
		inputs,
		priority: opts.priority ?? 'normal',
		params: {},
		chunkSize: opts.chunkSize ?? 2,
		replication: opts.replication ?? 1,
		chunkSizeAuto: opts.chunkSizeAuto
	});
}

/** Completes a leased task with vectors `vec(i + shift)`: shift 0 is the right answer, anything else a wrong one. */
export function completeAs(
	db: Db,
	t: { id: number; leaseToken: string; inputs: string[] },
	volunteerId: string,
	shift = 0,
	backend: 'wasm' | 'webgpu' | 'native' = 'wasm'
) {
	return completeTask(
		db,
		{
			taskId: t.id,
			leaseToken: t.leaseToken,
			volunteerId,
			outputs: t.inputs.map((_, i) => vec(i + shift)),
			backend,
			resultClass: `${backend === 'webgpu' ? 'webgpu-f32' : backend}/fp32`,
			durationMs: 5
		},
		policy
	);
}
