/**
 * Migration 0005 applied to a database that lived at 0004 and holds data, including the rows its new
 * keys would refuse (left by hand-made deletes): they are repaired, nothing accepted is lost; and a state
 * no hub ever wrote makes it refuse, changing nothing. On PGlite (a data folder, closed and reopened as a
 * hub restart does) and on PostgreSQL.
 */
import { randomUUID } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database, type Db } from './index';
import { findMigrations } from './migrations-folder';
import { emptyPostgresDatabase, TEST_DB_KINDS, type TestDbKind } from './testing';
import { rowsOf } from './rows';
import { refusal } from './testing-refusal';

const scratches: string[] = [];
const drops: (() => Promise<void>)[] = [];
afterAll(async () => {
	for (const drop of drops) await drop();
	scratches.forEach((dir) => rmSync(dir, { recursive: true, force: true }));
});
function scratchDir(): string {
	scratches.push(mkdtempSync(path.join(tmpdir(), 'exostack-0005-')));
	return scratches.at(-1)!;
}

/** How many migrations are committed: what a hub of this release applies. */
function committedMigrations(): number {
	const journal = JSON.parse(readFileSync(path.join(findMigrations(), 'meta', '_journal.json'), 'utf8')) as { entries: unknown[] };
	return journal.entries.length;
}

/** The committed migrations up to and including `tag`: what a hub of that release applied. */
function migrationsUpTo(tag: string): string {
	const folder = path.join(scratchDir(), 'drizzle');
	cpSync(findMigrations(), folder, { recursive: true });
	const journalPath = path.join(folder, 'meta', '_journal.json');
	const journal = JSON.parse(readFileSync(journalPath, 'utf8')) as { entries: { tag: string }[] };
	const last = journal.entries.findIndex((e) => e.tag === tag);
	expect(last, `${tag} is in the journal`).toBeGreaterThanOrEqual(0);
	writeFileSync(journalPath, JSON.stringify({ ...journal, entries: journal.entries.slice(0, last + 1) }));
	return folder;
}

/** A place for one database that outlives its connections: a PGlite folder, or a PostgreSQL database. */
async function databasePlace(kind: TestDbKind): Promise<(migrationsFolder?: string) => Promise<Database>> {
	if (kind === 'pglite') {
		const dataDir = path.join(scratchDir(), 'pglite');
		return (migrationsFolder) => openDatabase({ dataDir, migrationsFolder });
	}
	const empty = await emptyPostgresDatabase('exostack_0005');
	if (!empty) throw new Error('PostgreSQL is off for tests');
	drops.push(empty.drop);
	return (migrationsFolder) => openDatabase({ url: empty.url, poolSize: 2, migrationsFolder });
}

interface Fixture {
	jobId: string;
	taskId: number;
	orphanTaskId: number;
	goneJob: string;
}

/**
 * A 0004 database's rows, written as 0004's schema took them: a job with two accepted chunks, one of
 * them computed by a volunteer whose row was deleted by hand, a lease held by another such volunteer,
 * a task naming a model that is gone, a result naming a job that is gone, and credit earned on a job and
 * a task pruned by hand.
 */
async function seed0004(db: Db): Promise<Fixture> {
	const goneJob = randomUUID();
	await db.execute(sql`insert into models (id, task_types, files, source) values ('m', '["embedding"]', '[]', 'demo')`);
	await db.execute(sql`insert into volunteers (id, credit) values ('kept', 3)`);
	const [job] = rowsOf<{ id: string }>(
		await db.execute(
			sql`insert into jobs (task_type, model_id, total_inputs, total_tasks, status) values ('embedding', 'm', 3, 3, 'running') returning id`
		)
	);
	const tasks = rowsOf<{ id: number }>(
		await db.execute(sql`insert into tasks (job_id, seq, first_input, inputs, task_type, model_id, priority, state, lease_volunteer, lease_token)
			values (${job.id}, 0, 0, '["a"]', 'embedding', 'm', 1, 'done', null, null),
				(${job.id}, 1, 1, '["b"]', 'embedding', 'gone-model', 1, 'done', null, null),
				(${job.id}, 2, 2, '["c"]', 'embedding', 'm', 1, 'leased', 'vanished-leaser', gen_random_uuid())
			returning id`)
	).map((t) => Number(t.id));
	await db.execute(sql`insert into results (task_id, job_id, seq, volunteer_id, output, backend, backend_class, duration_ms, verdict)
		values (${tasks[0]}, ${job.id}, 0, 'kept', '[[1]]', 'wasm', 'wasm/fp32', 1, 'valid'),
			(${tasks[1]}, ${goneJob}, 1, 'vanished', '[[2]]', 'wasm', 'wasm/fp32', 1, 'valid')`);
	await db.execute(
		sql`insert into accepted_results (job_id, seq, task_id) values (${job.id}, 0, ${tasks[0]}), (${job.id}, 1, ${tasks[1]})`
	);
	await db.execute(sql`insert into credit_ledger (volunteer_id, job_id, task_id, amount)
		values ('kept', ${job.id}, ${tasks[0]}, 1), ('kept', ${goneJob}, 987654321, 2)`);
	return { jobId: job.id, taskId: tasks[0], orphanTaskId: tasks[1], goneJob };
}

async function appliedMigrations(db: Db): Promise<number> {
	const [row] = rowsOf<{ n: number }>(await db.execute(sql`select count(*)::int as n from drizzle.__drizzle_migrations`));
	return row.n;
}

describe.each(TEST_DB_KINDS)('migration 0005 on a %s database with data', (kind) => {
	it('repairs the references its keys would refuse, and loses no accepted result or credit', async () => {
		const open = await databasePlace(kind);
		const old = await open(migrationsUpTo('0004_batches'));
		const f = await seed0004(old.db);
		expect(await appliedMigrations(old.db)).toBe(5);
		await old.close();

		const migrated = await open();
		try {
			const db = migrated.db;
			// 0005 and every migration after it (the repairs must also survive what later releases add).
			expect(await appliedMigrations(db)).toBe(committedMigrations());
			// The two accepted outputs are still the job's, under their authors.
			const results = rowsOf<{ task_id: number; job_id: string; volunteer_id: string }>(
				await db.execute(sql`select task_id, job_id, volunteer_id from results order by task_id`)
			);
			expect(results.map((r) => ({ ...r, task_id: Number(r.task_id) }))).toEqual([
				{ task_id: f.taskId, job_id: f.jobId, volunteer_id: 'kept' },
				{ task_id: f.orphanTaskId, job_id: f.jobId, volunteer_id: 'vanished' }
			]);
			const [accepted] = rowsOf<{ n: number }>(await db.execute(sql`select count(*)::int as n from accepted_results`));
			expect(accepted.n).toBe(2);
			// The vanished volunteers have rows again, with nothing credited to them; the one that existed is untouched.
			const volunteers = rowsOf<{ id: string; credit: number }>(await db.execute(sql`select id, credit from volunteers order by id`));
			expect(volunteers).toEqual([
				{ id: 'kept', credit: 3 },
				{ id: 'vanished', credit: 0 },
				{ id: 'vanished-leaser', credit: 0 }
			]);
			// The lease stays live: it ends as leases do, by hand-in, release or expiry.
			const tasks = rowsOf<{ model_id: string; state: string; lease_volunteer: string | null }>(
				await db.execute(sql`select model_id, state, lease_volunteer from tasks order by seq`)
			);
			expect(tasks).toEqual([
				{ model_id: 'm', state: 'done', lease_volunteer: null },
				{ model_id: 'm', state: 'done', lease_volunteer: null },
				{ model_id: 'm', state: 'leased', lease_volunteer: 'vanished-leaser' }
			]);
			// Credit stays; the row earned on pruned work forgets where it came from.
			const ledger = rowsOf<{ job_id: string | null; task_id: number | null; amount: number }>(
				await db.execute(sql`select job_id, task_id, amount from credit_ledger order by amount`)
			);
			expect(ledger.map((l) => ({ ...l, task_id: l.task_id === null ? null : Number(l.task_id) }))).toEqual([
				{ job_id: f.jobId, task_id: f.taskId, amount: 1 },
				{ job_id: null, task_id: null, amount: 2 }
			]);
			// And from now on the database refuses what it just repaired.
			const ghost = db.execute(sql`update tasks set model_id = 'gone-model' where seq = 0`);
			expect(await refusal(ghost)).toMatch('tasks_model_id_models_id_fk');
		} finally {
			await migrated.close();
		}
	});

	it('refuses a state no hub wrote, and leaves the database as it was', async () => {
		const open = await databasePlace(kind);
		const old = await open(migrationsUpTo('0004_batches'));
		const f = await seed0004(old.db);
		await old.db.execute(sql`update tasks set state = 'finished' where id = ${f.taskId}`);
		await old.close();

		await expect(open()).rejects.toThrow(/tasks_state_check/);
		const again = await open(migrationsUpTo('0004_batches'));
		try {
			expect(await appliedMigrations(again.db)).toBe(5);
			// Rolled back whole: not even the repairs that ran before the refused CHECK are kept.
			const [orphan] = rowsOf<{ job_id: string }>(
				await again.db.execute(sql`select job_id from results where task_id = ${f.orphanTaskId}`)
			);
			expect(orphan.job_id).toBe(f.goneJob);
			const [state] = rowsOf<{ state: string }>(await again.db.execute(sql`select state from tasks where id = ${f.taskId}`));
			expect(state.state).toBe('finished');
		} finally {
			await again.close();
		}
	});
});
