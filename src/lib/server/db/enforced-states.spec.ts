/**
 * The database itself refuses a state outside its set and a reference to nothing (migration 0005), and
 * its deletes do what the schema says: checked with raw SQL, past every TypeScript type, on PGlite and
 * on PostgreSQL.
 */
import { randomUUID } from 'node:crypto';
import { sql, type SQL } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Database, Db } from './index';
import { openTestDatabase, TEST_DB_KINDS } from './testing';
import { refusal } from './testing-refusal';
import { rowsOf } from './rows';
import {
	AUDIT_ACTIONS,
	BACKEND_CLASSES,
	BACKENDS,
	BATCH_ENDPOINT_PATHS,
	BATCH_STATUSES,
	FILE_PURPOSES,
	JOB_STATUSES,
	MODEL_SOURCES,
	TASK_STATES,
	TASK_TYPES,
	VERDICTS,
	VOLUNTEER_MODES,
	WEBHOOK_EVENTS
} from './schema/states';

interface Seeded {
	jobId: string;
	taskId: number;
	webhookId: string;
}

/** One valid row in every table with a constrained column, written as 0005's schema has them. */
async function seed(db: Db): Promise<Seeded> {
	await db.execute(sql`insert into models (id, task_types, files, source) values ('m', '["embedding"]', '[]', 'demo')`);
	await db.execute(sql`insert into volunteers (id) values ('v1'), ('v2')`);
	const [job] = rowsOf<{ id: string }>(
		await db.execute(sql`insert into jobs (task_type, model_id, total_inputs, total_tasks) values ('embedding', 'm', 1, 1) returning id`)
	);
	const [task] = rowsOf<{ id: number }>(
		await db.execute(sql`insert into tasks (job_id, seq, first_input, inputs, task_type, model_id, priority)
			values (${job.id}, 0, 0, '["a"]', 'embedding', 'm', 1) returning id`)
	);
	const taskId = Number(task.id);
	await db.execute(sql`insert into results (task_id, job_id, seq, volunteer_id, output, backend, backend_class, duration_ms)
		values (${taskId}, ${job.id}, 0, 'v1', '[[1]]', 'wasm', 'wasm/fp32', 1)`);
	await db.execute(sql`insert into credit_ledger (volunteer_id, job_id, task_id, amount) values ('v1', ${job.id}, ${taskId}, 1)`);
	await db.execute(sql`insert into volunteer_sessions (id, volunteer_id, hub_id, capabilities, mode, readiness)
		values ('s1', 'v1', 'hub', '{}', 'auto', '{}')`);
	await db.execute(sql`insert into audit_log (actor, action) values ('admin', 'key.minted')`);
	const [hook] = rowsOf<{ id: string }>(
		await db.execute(
			sql`insert into webhooks (url, secret, events) values ('https://example.com/', 'whsec_x', array['job.completed']) returning id`
		)
	);
	await db.execute(
		sql`insert into webhook_deliveries (id, webhook_id, event, payload) values ('msg_1', ${hook.id}, 'job.completed', '{}')`
	);
	await db.execute(sql`insert into files (id, filename, purpose, bytes, sha256) values ('file-1', 'in.jsonl', 'batch', 1, 'a')`);
	await db.execute(sql`insert into batches (id, endpoint, input_file_id) values ('batch_1', '/v1/embeddings', 'file-1')`);
	return { jobId: job.id, taskId, webhookId: hook.id };
}

/** A constrained column, the set it holds, and how one value of it is written into the column. */
interface Constrained {
	table: string;
	column: string;
	check: string;
	values: readonly string[];
	as?: (value: string) => SQL;
}

const CONSTRAINED: Constrained[] = [
	{ table: 'jobs', column: 'status', check: 'jobs_status_check', values: JOB_STATUSES },
	{ table: 'jobs', column: 'task_type', check: 'jobs_task_type_check', values: TASK_TYPES },
	{ table: 'tasks', column: 'state', check: 'tasks_state_check', values: TASK_STATES },
	{ table: 'tasks', column: 'task_type', check: 'tasks_task_type_check', values: TASK_TYPES },
	{ table: 'tasks', column: 'backend_class', check: 'tasks_backend_class_check', values: BACKEND_CLASSES },
	{ table: 'results', column: 'verdict', check: 'results_verdict_check', values: VERDICTS },
	{ table: 'results', column: 'backend', check: 'results_backend_check', values: BACKENDS },
	{ table: 'models', column: 'source', check: 'models_source_check', values: MODEL_SOURCES },
	{
		table: 'models',
		column: 'task_types',
		check: 'models_task_types_check',
		values: TASK_TYPES,
		as: (v) => sql`jsonb_build_array(${v}::text)`
	},
	{ table: 'volunteer_sessions', column: 'mode', check: 'volunteer_sessions_mode_check', values: VOLUNTEER_MODES },
	{ table: 'audit_log', column: 'action', check: 'audit_log_action_check', values: AUDIT_ACTIONS },
	{ table: 'webhooks', column: 'events', check: 'webhooks_events_check', values: WEBHOOK_EVENTS, as: (v) => sql`array[${v}::text]` },
	{ table: 'webhook_deliveries', column: 'event', check: 'webhook_deliveries_event_check', values: WEBHOOK_EVENTS },
	{ table: 'files', column: 'purpose', check: 'files_purpose_check', values: FILE_PURPOSES },
	{ table: 'batches', column: 'status', check: 'batches_status_check', values: BATCH_STATUSES },
	{ table: 'batches', column: 'endpoint', check: 'batches_endpoint_check', values: BATCH_ENDPOINT_PATHS }
];

describe.each(TEST_DB_KINDS)('the database enforces its states on %s', (kind) => {
	let database: Database;
	let db: Db;
	let seeded: Seeded;
	beforeAll(async () => {
		database = await openTestDatabase(kind);
		db = database.db;
	});
	afterAll(() => database?.close());
	beforeEach(async () => {
		await db.execute(sql`truncate models, volunteers, jobs, api_keys, audit_log, webhooks, files, batches cascade`);
		seeded = await seed(db);
	});

	const set = (c: Constrained, value: string) =>
		db.execute(sql`update ${sql.identifier(c.table)} set ${sql.identifier(c.column)} = ${c.as ? c.as(value) : sql`${value}::text`}`);

	it.each(CONSTRAINED.map((c) => [`${c.table}.${c.column}`, c] as const))(
		'%s takes every value of its set and nothing else',
		async (_, c) => {
			for (const value of c.values) await set(c, value);
			expect(await refusal(set(c, 'bogus'))).toMatch(`violates check constraint "${c.check}"`);
			// Case and spacing are not forgiven: the code compares states with `=`.
			expect(await refusal(set(c, c.values[0].toUpperCase()))).toMatch(c.check);
		}
	);

	it('refuses a webhook subscribed to one known and one unknown event', async () => {
		const mixed = db.execute(sql`update webhooks set events = array['job.completed', 'job.exploded']`);
		expect(await refusal(mixed)).toMatch('webhooks_events_check');
	});

	it('refuses a models.task_types that is not an array of task types', async () => {
		expect(await refusal(db.execute(sql`update models set task_types = '"embedding"'`))).toMatch('models_task_types_check');
		expect(await refusal(db.execute(sql`update models set task_types = '[["embedding"]]'`))).toMatch('models_task_types_check');
	});

	it('refuses a reference to nothing, in every column 0005 made a key', async () => {
		const { jobId, taskId } = seeded;
		const ghostJob = randomUUID();
		// The seeded result goes first: a second one for its task would be refused by the primary key instead.
		await db.execute(sql`delete from results`);
		const result = (volunteer: string, job: string) =>
			db.execute(sql`insert into results (task_id, job_id, seq, volunteer_id, output, backend, backend_class, duration_ms)
				values (${taskId}, ${job}, 0, ${volunteer}, '[]', 'wasm', 'wasm/fp32', 1)`);
		expect(await refusal(result('ghost', jobId))).toMatch('results_volunteer_id_volunteers_id_fk');
		expect(await refusal(result('v1', ghostJob))).toMatch('results_job_id_jobs_id_fk');
		expect(await refusal(db.execute(sql`update tasks set lease_volunteer = 'ghost'`))).toMatch('tasks_lease_volunteer_volunteers_id_fk');
		expect(await refusal(db.execute(sql`update tasks set model_id = 'no-such-model'`))).toMatch('tasks_model_id_models_id_fk');
		expect(await refusal(db.execute(sql`update credit_ledger set job_id = ${ghostJob}`))).toMatch('credit_ledger_job_id_jobs_id_fk');
		expect(await refusal(db.execute(sql`update credit_ledger set task_id = ${taskId} + 1000`))).toMatch(
			'credit_ledger_task_id_tasks_id_fk'
		);
	});

	it('deleting a job takes its tasks and results and keeps the credit they earned', async () => {
		await db.execute(sql`delete from jobs where id = ${seeded.jobId}`);
		const counts = rowsOf<{ tasks: number; results: number }>(
			await db.execute(sql`select (select count(*) from tasks)::int as tasks, (select count(*) from results)::int as results`)
		);
		expect(counts).toEqual([{ tasks: 0, results: 0 }]);
		const ledger = rowsOf<{ volunteer_id: string; job_id: string | null; task_id: number | null; amount: number }>(
			await db.execute(sql`select volunteer_id, job_id, task_id, amount from credit_ledger`)
		);
		expect(ledger).toEqual([{ volunteer_id: 'v1', job_id: null, task_id: null, amount: 1 }]);
	});

	it('refuses to delete a volunteer whose result stands, or who holds a lease', async () => {
		expect(await refusal(db.execute(sql`delete from volunteers where id = 'v1'`))).toMatch('results_volunteer_id_volunteers_id_fk');
		await db.execute(sql`update tasks set state = 'leased', lease_volunteer = 'v2', lease_token = gen_random_uuid()`);
		expect(await refusal(db.execute(sql`delete from volunteers where id = 'v2'`))).toMatch('tasks_lease_volunteer_volunteers_id_fk');
	});
});
