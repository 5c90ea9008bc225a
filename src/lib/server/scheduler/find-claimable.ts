import { and, eq, sql, type SQL } from 'drizzle-orm';
import { jobs, models, tasks, volunteers } from '../db/schema';
import type { Db } from '../db';
import { rowsOf } from '../db/rows';
import { builtOnce } from '../db/built-once';
import type { TaskType } from '../../protocol/models';
import { claimantSql, mayTakeReplica, none, type Claimant, type ClaimantSql } from './claim-rules';
import { inLane, lowestPriority, type Lane } from './interactive-lane';
import { establishedSql } from './adaptive-replication';

/** What the volunteer can and may run: the one filter every claim (queued, tail duplicate, known-answer check) applies. */
export interface RunnableFilter {
	taskTypes: TaskType[];
	/** Models it cannot run (WebLLM beyond its GPU) or its owner refuses (owner-limits.ts). */
	excludeModels?: string[];
	/** Only models costing less than this (task weight by readiness band); absent: any. */
	maxCost?: number;
	/** Only work of this lane (interactive-lane.ts); absent: any, highest priority first. */
	lane?: Lane;
}

/** RunnableFilter as runnableHere reads it: bound values for one claimant, or a group row's columns (as ClaimantSql). */
export interface RunnableSql {
	/** A text array of task types. */
	taskTypes: SQL;
	/** A jsonb array of model ids. */
	excludeModels: SQL;
	/** Null: any cost. */
	maxCost: SQL;
	/** The lowest priority taken (interactive-lane.ts's lowestPriority). */
	lowestPriority: SQL;
}

/** One claimant's filter as RunnableSql (typed parameters). */
export function runnableSql(f: RunnableFilter): RunnableSql {
	const cost = f.maxCost === undefined || f.maxCost === Infinity ? null : f.maxCost;
	return {
		taskTypes: sql`array(select jsonb_array_elements_text(${JSON.stringify(f.taskTypes)}::jsonb))`,
		excludeModels: sql`${JSON.stringify(f.excludeModels ?? [])}::jsonb`,
		maxCost: sql`${cost}::float8`,
		lowestPriority: sql`${lowestPriority(f.lane)}::int`
	};
}

/** A claimant with everything the claim's rules read, as bound values. */
export function whoSql(who: Claimant & RunnableFilter): ClaimantSql & RunnableSql {
	return { ...claimantSql(who), ...runnableSql(who) };
}

/**
 * Tasks of `tasks` this volunteer can run: its task types, not of an excluded model, and light enough
 * for its band. Every claim uses this one definition, so a new filter cannot be missed by one of them.
 *
 * Each test is written so PostgreSQL guesses it keeps most tasks, as it does: the task type as `= ANY` of a
 * text array (jsonb containment is guessed to keep 1 in 100), the cost and lane as comparisons (none()).
 * Guesses that kept too few made the ordered walk to the claim's LIMIT look like a walk of the whole queue.
 */
export function runnableHere(tx: Db, f: RunnableSql): SQL {
	const tooHeavy = tx
		.select({ one: sql`1` })
		.from(models)
		.where(and(eq(models.id, tasks.modelId), sql`${models.cost} >= ${f.maxCost}`));
	return and(
		sql`${tasks.taskType} = any(${f.taskTypes})`,
		sql`not (${f.excludeModels} @> jsonb_build_array(${tasks.modelId}))`,
		none(tooHeavy),
		inLane(f.lowestPriority)
	)!;
}

/** One claimant of a group, as findClaimable reads it: `limit` candidates at most; whether it is established is read in the statement. */
export interface GroupClaimant extends Omit<Claimant, 'established'>, RunnableFilter {
	limit: number;
}

/** A group claimant's columns, named as findClaimable's claimant rows name them. */
const column: ClaimantSql & RunnableSql = {
	volunteerId: sql`c.volunteer_id`,
	backendClass: sql`c.backend_class`,
	network: sql`c.network`,
	distinctNetworks: sql`c.distinct_networks`,
	// Read here, not passed in: the statement is sent with the claim's locks, before their answer (claim-tasks.ts).
	established: establishedSql(sql`(select ${volunteers.consecutiveValid} from ${volunteers} where ${volunteers.id} = c.volunteer_id)`),
	taskTypes: sql`c.task_types`,
	excludeModels: sql`c.exclude_models`,
	maxCost: sql`c.max_cost`,
	lowestPriority: sql`c.lowest_priority`
};

/** A candidate replica for the group's claimant `i` (its index in the group). */
export interface Candidate {
	i: number;
	id: number;
	jobId: string;
	seq: number;
	priority: number;
	replication: number;
}

/**
 * For each claimant of a group, the queued replicas it may take, locked for the caller's transaction, in
 * claim order: priority, then the lowest chunk number across jobs (so jobs of one priority take turns and
 * a huge job cannot starve a small one), then age. One statement for the whole group: the claimants
 * travel as one JSON parameter, and each walks tasks_claimable_idx to its own limit (a lateral join).
 *
 * Locking: FOR UPDATE OF tasks SKIP LOCKED. Rows another transaction holds are skipped, never waited for
 * or taken twice; rows we lock but do not lease are unlocked at commit. Claimants of one group can be
 * offered the same row (the transaction's own locks do not skip): the caller leases each row once.
 *
 * Which replicas a claimant may take at all is claim-rules.ts's mayTakeReplica (distinct volunteers and
 * networks, one backend class per chunk, solo, checkpoint and established-only rules).
 *
 * A replica held in another process's live feeder (feeder.ts) is walked past: only its holder's claims lease it.
 * One held by `holder` (this process) is not: it may be on its way into the buffer (a refill in flight), and a
 * group leases a row once however it found it.
 */
export function findClaimableStatement(tx: Db, group: GroupClaimant[], holder = ''): SQL {
	return candidatesOf(tx, sql`${claimantsJson(group)}`, walk(sql`${holder}::text`));
}

/** The group's claimants as the statements' one parameter (`ids`: the held replicas findHeld checks for each). */
function claimantsJson(group: (GroupClaimant & { ids?: number[] })[]): string {
	return JSON.stringify(
		group.map((w, i) => ({
			i,
			volunteer_id: w.volunteerId,
			backend_class: w.backendClass,
			network: w.network ?? null,
			distinct_networks: w.distinctNetworks === true && w.network !== undefined,
			task_types: w.taskTypes,
			exclude_models: w.excludeModels ?? [],
			max_cost: w.maxCost === undefined || w.maxCost === Infinity ? null : w.maxCost,
			lowest_priority: lowestPriority(w.lane),
			lim: w.limit,
			ids: w.ids ?? []
		}))
	);
}

/**
 * Where a claimant's candidates come from: the queue walked in claim order to the claimant's limit, past the
 * replicas other processes' feeders hold; or the replicas this process's feeder picked for it (`c.ids`), still
 * queued and still held by `holder`. Either way the rules below are applied and the rows locked the same way.
 */
interface Source {
	where: SQL;
	order: SQL;
	/** The rules decide which rows are returned (a walk), or are returned as `ok` for each row (held rows). */
	rulesAs: 'filter' | 'column';
}

const walk = (holder: SQL): Source => ({
	where: sql`${tasks.state} = 'queued'
		-- A known-answer check is only ever leased whole, to the volunteer it was drawn for (spot-checks.ts).
		and ${tasks.spotCheck} = false
		and ${tasks.availableAt} <= now()
		and (${tasks.heldBy} is null or ${tasks.heldUntil} < now() or ${tasks.heldBy} = ${holder})`,
	order: sql`order by ${tasks.priority} desc, ${tasks.seq} asc, ${tasks.id} asc limit c.lim`,
	rulesAs: 'filter'
});

const heldBy = (holder: SQL): Source => ({
	where: sql`${tasks.id} = any(c.ids) and ${tasks.state} = 'queued' and ${tasks.heldBy} = ${holder}`,
	order: sql``,
	rulesAs: 'column'
});

/** The statement with `claimants` (a JSON text) as its claimant rows. */
function candidatesOf(tx: Db, claimants: SQL, source: Source): SQL {
	const replica = { jobId: tasks.jobId, seq: tasks.seq, id: tasks.id, needsEstablished: tasks.needsEstablished };
	const rules = sql`${runnableHere(tx, column)} and ${mayTakeReplica(tx, replica, column)}`;
	const { where, order } = source;
	const [filter, ok] = source.rulesAs === 'filter' ? [sql`and ${rules}`, sql`true`] : [sql``, sql`(${rules})`];
	return sql`select c.i, t.id, t.job_id as "jobId", t.seq, t.priority, t.replication, t.ok
		from jsonb_to_recordset(${claimants}::jsonb) as c(i int, volunteer_id text, backend_class text, network text,
			distinct_networks boolean, task_types text[], exclude_models jsonb, max_cost float8, lowest_priority int, lim int, ids bigint[])
		cross join lateral (
			select ${tasks.id} as id, ${tasks.jobId} as job_id, ${tasks.seq} as seq, ${tasks.priority} as priority,
				${jobs.replication} as replication, ${ok} as ok
			from ${tasks} inner join ${jobs} on ${jobs.id} = ${tasks.jobId}
			where ${where}
				${filter}
			${order}
			for update of ${tasks} skip locked
		) t`;
}

/** findClaimableStatement, its text built once (built-once.ts): the claim's largest statement. */
const candidates = builtOnce<{ claimants: string; holder: string }>((tx) =>
	candidatesOf(tx, sql`${sql.placeholder('claimants')}`, walk(sql`${sql.placeholder('holder')}::text`))
);

/** The held replicas' statement, built once too. */
const held = builtOnce<{ claimants: string; holder: string }>((tx) =>
	candidatesOf(tx, sql`${sql.placeholder('claimants')}`, heldBy(sql`${sql.placeholder('holder')}::text`))
);

/** findClaimableStatement's rows, each claimant's in claim order (candidateRows). */
export async function findClaimable(tx: Db, group: GroupClaimant[], holder = ''): Promise<Candidate[]> {
	return candidateRows(await candidates(tx, { claimants: claimantsJson(group), holder }));
}

/**
 * Of the replicas `holder`'s feeder picked for each claimant (`ids`), those still queued and held there, locked
 * the same way as a walk's, each with whether the claimant may take it under every rule of the walk
 * (runnableHere, mayTakeReplica): the feeder's choice in memory is only a guess, and this statement decides
 * (feeder.ts). `gone`: picked replicas no longer queued and held there (leased after a lapse, cancelled), or
 * locked by another claim this moment.
 */
export async function findHeld(
	tx: Db,
	group: (GroupClaimant & { ids: number[] })[],
	holder: string
): Promise<{ candidates: Candidate[]; gone: number[] }> {
	const rows = candidateRows(await held(tx, { claimants: claimantsJson(group), holder }));
	const found = new Set(rows.map((r) => r.id));
	return { candidates: rows.filter((r) => r.ok), gone: group.flatMap((c) => c.ids.filter((id) => !found.has(id))) };
}

/** A statement's rows, each claimant's in claim order (sorted here: a sort in the statement would be one more step of its plan). */
function candidateRows(result: unknown): (Candidate & { ok: boolean })[] {
	const rows = rowsOf<Candidate & { ok: boolean }>(result).map((r) => ({
		ok: r.ok === true || (r.ok as unknown) === 't',
		i: Number(r.i),
		id: Number(r.id),
		jobId: r.jobId,
		seq: Number(r.seq),
		priority: Number(r.priority),
		replication: Number(r.replication)
	}));
	rows.sort((a, b) => a.i - b.i || b.priority - a.priority || a.seq - b.seq || a.id - b.id);
	return rows;
}
