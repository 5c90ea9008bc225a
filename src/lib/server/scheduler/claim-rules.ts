import { and, eq, inArray, isNotNull, ne, or, sql, type SQL, type SQLWrapper } from 'drizzle-orm';
import { alias, type PgColumn } from 'drizzle-orm/pg-core';
import { results, tasks, volunteers } from '../db/schema';
import { rowsOf } from '../db/rows';
import type { Db } from '../db';
import type { BackendClass } from '../../protocol/volunteer';
import { failedBy } from './lease-transitions';

/** Who asks for a replica: what the rules below compare a chunk's other replicas with. */
export interface Claimant {
	volunteerId: string;
	backendClass: BackendClass;
	/** The session's network (networkOf); absent: the caller does not separate networks. */
	network?: string;
	/** Replicas of a chunk go to distinct networks (EXOSTACK_DISTINCT_NETWORKS). */
	distinctNetworks?: boolean;
	/** The volunteer has a run of valid results long enough to be trusted (adaptive-replication.ts). */
	established?: boolean;
}

/**
 * The claimant as the rules below read it, in SQL: its values bound as parameters for one claimant
 * (claimantSql), or the columns of a group's claimant row (claim-tasks.ts), so the rules are written once
 * for both. `network` is null where the caller does not separate networks.
 */
export interface ClaimantSql {
	volunteerId: SQL;
	backendClass: SQL;
	network: SQL;
	/** Whether replicas of a chunk must come from distinct networks for this claimant (and it has one). */
	distinctNetworks: SQL;
	established: SQL;
}

/** One claimant's values as ClaimantSql: typed parameters (an untyped one inside jsonb_build_array has no type to infer). */
export function claimantSql(who: Claimant): ClaimantSql {
	return {
		volunteerId: sql`${who.volunteerId}::text`,
		backendClass: sql`${who.backendClass}::text`,
		network: sql`${who.network ?? null}::text`,
		distinctNetworks: sql`${who.distinctNetworks === true && who.network !== undefined}::boolean`,
		established: sql`${who.established === true}::boolean`
	};
}

/** The replica a claim would take: its chunk, and its own id when it already exists (a queued row). */
export interface ReplicaRef {
	jobId: PgColumn;
	seq: PgColumn;
	id?: PgColumn;
	needsEstablished?: PgColumn;
}

const sibling = alias(tasks, 'sibling');

/**
 * How long a computed replica holds its chunk for its own backend class. Results are compared only
 * within one class (floating point differs between them by more than any tolerance worth having), so
 * a class no other connected volunteer has would stall the chunk forever: after this wait the chunk's
 * other replicas may go to any class, which then forms a quorum of its own (the validator spawns the
 * replicas it needs); the lone class's result stays unchecked and is never accepted alone.
 */
export const CLASS_WAIT_MS = 5 * 60_000;

/**
 * `NOT EXISTS` for the claim (`subquery` selects the constant 1), written as a scalar subquery on purpose:
 * PostgreSQL turns NOT EXISTS into an anti join, and for these it then scanned every task and result once
 * per claim (4 ms at 30,000 tasks, growing with the table). A scalar subquery stays a per-row probe of the
 * (job_id, seq) indexes, run only for the few rows the claim walks before its LIMIT.
 *
 * Compared with `<> 1`, not tested with `IS NULL`: PostgreSQL guesses that `IS NULL` on an expression keeps
 * 1 row in 200, and `<>` 199 in 200. With three such tests the claim looked as if hardly any queued task
 * passed, so walking the queue in order to the LIMIT seemed to cost a walk of the whole queue, and the
 * planner took a bitmap scan of every queued task and a sort instead: 20 ms a claim at 3,000 queued tasks,
 * 1.5 cores of PostgreSQL in bench/dispatch (BENCHMARKS.md).
 */
export function none(subquery: SQLWrapper) {
	return sql`coalesce((${subquery} limit 1), 0) <> 1`;
}

/**
 * Whether this claimant may compute a replica of the chunk `r` names: the one definition behind both the
 * normal claim (find-claimable.ts) and the tail duplicate (claim-tail-duplicates.ts).
 *
 * A sibling bars the claimant when its volunteer is the claimant (replicas go to distinct volunteers),
 * when it is leased, or was computed less than CLASS_WAIT_MS ago, by another backend class (only
 * results of one class are compared),
 * while a trusted volunteer holds the chunk alone (solo), when it was leased or computed from the
 * claimant's network (one person's machines, or one NAT full of sybils, must not be a quorum), and
 * when the claimant contributed to its checkpoint, and when the claimant reported a failure of it. A checkpoint counts as computed: its replica resumes
 * only on its own backend class, and its contributors may resume only the replica they started. A
 * result already computed by the claimant bars it too, and a replica kept for an established volunteer
 * (validate-chunk.ts, newcomers' quorum) goes to no one else.
 */
export function mayTakeReplica(tx: Db, r: ReplicaRef, who: ClaimantSql): SQL {
	const notItself = r.id ? ne(sibling.id, r.id) : undefined;
	const bars = or(
		eq(sibling.leaseVolunteer, who.volunteerId),
		and(
			ne(sibling.backendClass, who.backendClass),
			or(
				eq(sibling.state, 'leased'),
				and(eq(sibling.state, 'done'), sql`${sibling.finishedAt} > now() - ${CLASS_WAIT_MS} * interval '1 millisecond'`)
			)
		),
		// Only while the solo lease lives: once its result is in, a split (rare) is settled as usual.
		and(eq(sibling.solo, true), eq(sibling.state, 'leased')),
		and(who.distinctNetworks, inArray(sibling.state, ['leased', 'done']), eq(sibling.network, who.network), notItself),
		and(isNotNull(sibling.checkpoint), ne(sibling.backendClass, who.backendClass)),
		and(notItself, sql`${sibling.checkpointBy} @> jsonb_build_array(${who.volunteerId})`),
		// It reported a failure of this replica or a sibling: it is not given the chunk again (lease-transitions.ts).
		failedBy(sibling, who.volunteerId)
	);
	const conflictingSibling = tx
		.select({ one: sql`1` })
		.from(sibling)
		.where(and(eq(sibling.jobId, r.jobId), eq(sibling.seq, r.seq), bars));
	const alreadyComputed = tx
		.select({ one: sql`1` })
		.from(results)
		.where(and(eq(results.jobId, r.jobId), eq(results.seq, r.seq), eq(results.volunteerId, who.volunteerId)));
	return and(
		none(conflictingSibling),
		none(alreadyComputed),
		r.needsEstablished ? or(who.established, eq(r.needsEstablished, false)) : undefined
	)!;
}

/**
 * Serialises the claims of a group's volunteers (each across its sessions) and of the networks given, for
 * the rest of the transaction, in one statement that also reads each volunteer's run of valid results
 * (which the locks do not guard: results move it without them).
 *
 * Every claim takes its locks in one order: its volunteers' sorted, then its networks' sorted (the array's
 * order: the function scan yields the elements in order, and the ordinality sort asks for it). Two claims
 * of this or another hub process therefore never wait on each other in a cycle.
 */
export async function lockClaimants(tx: Db, volunteerIds: string[], networks: string[]): Promise<Map<string, number>> {
	const keys = [...[...new Set(volunteerIds)].sort(), ...[...new Set(networks)].sort().map((n) => 'network:' + n)];
	const rows = rowsOf<{ key: string; run: number | null }>(
		await tx.execute(sql`select k.key, (select ${volunteers.consecutiveValid} from ${volunteers} where ${volunteers.id} = k.key) as run
			from (select key, pg_advisory_xact_lock(hashtext(key)) from jsonb_array_elements_text(${JSON.stringify(keys)}::jsonb)
				with ordinality as u(key, n) order by n) k`)
	);
	return new Map(rows.map((r) => [r.key, Number(r.run ?? 0)]));
}

/** Live leases held by a session, by a volunteer across its sessions, and by sessions of a network (absent: not counted). */
export interface Held {
	session: number;
	volunteer: number;
	network: number;
}

/**
 * For each claimant, the live leases its session holds, its volunteer holds across its sessions, and
 * sessions of its network hold across their sockets and identities (what the per-network cap,
 * EXOSTACK_LEASES_PER_NETWORK, counts), in one statement. Read under lockClaimants' locks, so two claims
 * cannot both see room for the same lease.
 *
 * Read as the leases themselves, counted here: one scan for the whole group. Three counts per claimant
 * as subqueries each scanned every live lease while the statistics still thought nothing was leased
 * (right after a large job arrives, the planner takes any of the partial indexes on leased tasks whole):
 * 0.6 ms a claimant at 2,000 leases. The one scan still reads every live lease then, but once a group.
 *
 * The lists travel as JSON arrays, so the statement's text is the same for every group. Written as `in
 * (a, b, ...)` it changed with the group's size, and each new text cost a round trip of its own on each
 * connection (the driver describes a statement before its first use there) and held up the claim's
 * other statements behind it.
 */
export async function claimCounts(tx: Db, who: { sessionId: string; volunteerId: string; network?: string }[]): Promise<Held[]> {
	const list = (values: string[]) => sql`array(select jsonb_array_elements_text(${JSON.stringify([...new Set(values)])}::jsonb))`;
	const networks = who.flatMap((w) => (w.network === undefined ? [] : [w.network]));
	const leases = rowsOf<{ s: string | null; v: string | null; n: string | null }>(
		await tx.execute(sql`select ${tasks.leaseSession} as s, ${tasks.leaseVolunteer} as v, ${tasks.network} as n from ${tasks}
			where ${tasks.state} = 'leased' and (${tasks.leaseSession} = any(${list(who.map((w) => w.sessionId))})
				or ${tasks.leaseVolunteer} = any(${list(who.map((w) => w.volunteerId))})
				or ${tasks.network} = any(${list(networks)}))`)
	);
	return who.map((w) => ({
		session: leases.filter((l) => l.s === w.sessionId).length,
		volunteer: leases.filter((l) => l.v === w.volunteerId).length,
		network: w.network === undefined ? 0 : leases.filter((l) => l.n === w.network).length
	}));
}
