/**
 * Every fixed set of values a column of ours holds, defined once. The drizzle schema types its column
 * with the set and adds a CHECK built from the same array (oneOf), and the code's types come from it, so
 * a value added in one place only either fails to compile or makes `drizzle-kit generate` want a new
 * migration (which migrations.spec.ts notices). Sets the browser or the volunteer also speak live in
 * `src/lib/protocol/` and are re-exported here, so this module is the one list of what is constrained.
 *
 * CHECK constraints on text, not PostgreSQL enums: a new value is a dropped and re-added constraint in
 * the migration's one transaction, where `ALTER TYPE … ADD VALUE` cannot be used by the same transaction
 * that adds it (and drizzle's migrator runs every pending migration in one); the columns keep their type,
 * so adding a constraint rewrites no table and rebuilds none of the partial indexes the claim's plan
 * depends on (query-plans.spec.ts); and raw SQL compares them with plain text parameters, no casts.
 */
import { sql, type SQL } from 'drizzle-orm';
import type { AnyPgColumn } from 'drizzle-orm/pg-core';

export { JOB_STATUSES, TASK_STATES } from '../../../protocol/jobs';
export { TASK_TYPES } from '../../../protocol/models';
export { BACKENDS, BACKEND_CLASSES, VOLUNTEER_MODES } from '../../../protocol/volunteer';
export { WEBHOOK_EVENTS } from '../../../protocol/webhooks';

/** What validation concluded about a replica's result. `unchecked`: never compared (another class won, or its chunk was cancelled). */
export const VERDICTS = ['pending', 'valid', 'invalid', 'unchecked'] as const;

/** An OpenAI batch's states, in order: validating → in_progress → (cancelling →) completed | cancelled | failed | expired. */
export const BATCH_STATUSES = ['validating', 'in_progress', 'cancelling', 'completed', 'cancelled', 'failed', 'expired'] as const;

export { BATCH_ENDPOINT_PATHS } from '../../../protocol/rest/openai-requests';

/** `batch`: an upload, a batch's input. `batch_output`: a batch's output or error file, written by the hub. */
export const FILE_PURPOSES = ['batch', 'batch_output'] as const;
export type FilePurpose = (typeof FILE_PURPOSES)[number];

/** `demo` for generated models, `import` for folders an operator brought. */
export const MODEL_SOURCES = ['demo', 'import'] as const;
export type ModelSource = (typeof MODEL_SOURCES)[number];

/** What the audit log records. A new action is one more entry here, and the migration drizzle-kit then generates. */
export const AUDIT_ACTIONS = [
	'key.minted',
	'key.revoked',
	'model.imported',
	'job.cancelled',
	'backup.created',
	'webhook.created',
	'webhook.deleted'
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

/**
 * The values as an SQL list. drizzle-kit writes a CHECK's SQL into the migration as text, so the values
 * must be literals, not parameters; they are our own constants, and anything but plain words is refused
 * here rather than quoted.
 */
function literals(values: readonly string[]): SQL {
	for (const v of values) if (!/^[a-z0-9_./-]+$/.test(v)) throw new Error(`not a plain state name: ${JSON.stringify(v)}`);
	return sql.raw(values.map((v) => `'${v}'`).join(', '));
}

/**
 * A state column's test against our own states, written in as literals, not bound as parameters. The partial
 * indexes (tasks' `state = 'queued'`, `state = 'leased'`, `state in ('queued', 'leased')`; jobs_tuned_idx,
 * batches_open_idx) serve a statement only where its test implies their predicate, and a parameter implies
 * nothing once PostgreSQL's plan cache runs a prepared statement with a generic plan, as it may after five
 * calls (db/index.ts): the statement then reads the whole table, or the job's every task. Every statement
 * meant to reach its rows through one of them tests the state this way (query-plans.spec.ts checks the claim
 * walk and the finished-job check, run for every task, under a generic plan).
 */
export function stateIn<C extends AnyPgColumn>(column: C, states: readonly C['_']['data'][]): SQL {
	return oneOf(column, states as readonly string[]);
}

/** CHECK body: the column holds one of `values` (or is null, where the column allows null). */
export function oneOf(column: AnyPgColumn, values: readonly string[]): SQL {
	return sql`${column} in (${literals(values)})`;
}

/** CHECK body for a text[] column: every element is one of `values`. */
export function allOf(column: AnyPgColumn, values: readonly string[]): SQL {
	return sql`${column} <@ array[${literals(values)}]::text[]`;
}

/** CHECK body for a jsonb column holding an array of strings: an array, and every element one of `values`. */
export function jsonArrayOf(column: AnyPgColumn, values: readonly string[]): SQL {
	literals(values); // refuses anything but plain names, which JSON.stringify then writes without quotes to escape
	return sql`jsonb_typeof(${column}) = 'array' and ${column} <@ ${sql.raw(`'${JSON.stringify(values)}'::jsonb`)}`;
}
