import { and, eq, gte, inArray, ne, sql } from 'drizzle-orm';
import { results, tasks, volunteerSessions, volunteers } from '../db/schema';
import type { Db } from '../db';
import { backendClassOf, type Capabilities } from '../../protocol/volunteer';
import type { TaskType } from '../../protocol/models';
import { REST_HUB } from '../volunteers/rest-nodes';
import { isEstablished, TRUST_AFTER } from './adaptive-replication';

/** A chunk's replica as the validator read it: what deciding on a confirmation needs. */
export interface ReplicaRow {
	state: string;
	needsEstablished: boolean;
	replication: number;
}

/** Where a confirming replica may come from: the chunk, its backend class, and whether networks must differ. */
export interface ConfirmContext {
	jobId: string;
	seq: number;
	/** The backend class the chunk's replicas were leased to (tasks.backend_class). */
	backendClass: string | null;
	taskType: TaskType;
	distinctNetworks: boolean;
}

/** accept the group; wait for the confirming replica; spawn one; or refuse the group (an established volunteer disagreed). */
export type Confirmation = { action: 'accept' | 'wait' | 'spawn' | 'refuse' };

/**
 * A quorum made only of newcomers is not enough while an established volunteer could check it: new
 * identities are cheap (a few networks' worth of them can agree on anything), a long run of valid
 * results is not. So when every agreeing volunteer is a newcomer and an established volunteer that
 * could take a replica of this chunk is connected, the chunk is held: its queued replica, or a new
 * one, is kept for established volunteers (tasks.needs_established), and the chunk is settled when
 * that result is in. With no established volunteer able to take it (a new hub, a private lab), the
 * newcomers' quorum is accepted as before: waiting for someone who is not there would stall the job.
 * When an established volunteer already computed the chunk and disagreed, the newcomers' group is no
 * quorum at all: the chunk goes on as a disagreement (one more replica, up to 2n+1, or dead).
 *
 * `replicas` is the chunk as the validator read it under the chunk's lock.
 */
export async function confirmNewcomers(
	tx: Db,
	ctx: ConfirmContext,
	agreeing: { volunteerId: string }[],
	found: { volunteerId: string }[],
	replicas: ReplicaRow[]
): Promise<Confirmation> {
	if (await anyEstablished(tx, agreeing)) return { action: 'accept' };
	const inGroup = new Set(agreeing.map((a) => a.volunteerId));
	if (
		await anyEstablished(
			tx,
			found.filter((f) => !inGroup.has(f.volunteerId))
		)
	)
		return { action: 'refuse' };
	if (replicas.some((r) => r.needsEstablished && (r.state === 'queued' || r.state === 'leased'))) return { action: 'wait' };
	if (!(await establishedCanTake(tx, ctx))) return { action: 'accept' };
	const queued = await tx
		.update(tasks)
		.set({ needsEstablished: true })
		.where(
			eq(
				tasks.id,
				sql`(select id from ${tasks} where ${tasks.jobId} = ${ctx.jobId} and ${tasks.seq} = ${ctx.seq} and ${tasks.state} = 'queued' order by id limit 1)`
			)
		)
		.returning({ id: tasks.id });
	if (queued.length > 0) return { action: 'wait' };
	return { action: replicas.length < 2 * replicas[0].replication + 1 ? 'spawn' : 'accept' };
}

async function anyEstablished(tx: Db, agreeing: { volunteerId: string }[]): Promise<boolean> {
	if (agreeing.length === 0) return false;
	const rows = await tx
		.select({ run: volunteers.consecutiveValid })
		.from(volunteers)
		.where(
			inArray(
				volunteers.id,
				agreeing.map((a) => a.volunteerId)
			)
		);
	return rows.some((r) => isEstablished(r.run));
}

/**
 * Whether a connected established volunteer could take a replica of this chunk: ready for work, of the
 * chunk's backend class, not among its volunteers, and (distinct networks) on none of its networks.
 * The sweeper deletes sessions whose heartbeat went stale, so a session row is a live connection.
 */
async function establishedCanTake(tx: Db, ctx: ConfirmContext): Promise<boolean> {
	const ofChunk = and(eq(tasks.jobId, ctx.jobId), eq(tasks.seq, ctx.seq), inArray(tasks.state, ['leased', 'done']));
	const networks = tx
		.select({ n: tasks.network })
		.from(tasks)
		.where(and(ofChunk, sql`${tasks.network} is not null`));
	const computed = tx
		.select({ v: results.volunteerId })
		.from(results)
		.where(and(eq(results.jobId, ctx.jobId), eq(results.seq, ctx.seq)));
	const candidates = await tx
		.select({ capabilities: volunteerSessions.capabilities })
		.from(volunteerSessions)
		.innerJoin(volunteers, eq(volunteers.id, volunteerSessions.volunteerId))
		.where(
			and(
				gte(volunteers.consecutiveValid, TRUST_AFTER),
				eq(volunteerSessions.readyForAi, true),
				ne(volunteerSessions.hubId, REST_HUB),
				sql`${volunteerSessions.volunteerId} not in (${computed})`,
				ctx.distinctNetworks ? sql`${volunteerSessions.network} not in (${networks})` : undefined
			)
		)
		.limit(64);
	const classOf = (c: Capabilities) => backendClassOf(c.backend, c.webgpu?.features ?? []);
	return candidates.some(
		({ capabilities: c }) => c.taskTypes.includes(ctx.taskType) && (ctx.backendClass === null || classOf(c) === ctx.backendClass)
	);
}
