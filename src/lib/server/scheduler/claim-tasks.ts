import { and, eq, inArray, ne, notExists, sql } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import { jobs, tasks } from '../db/schema';
import type { Db } from '../db';
import type { ClaimRequest } from './types';
import { isEstablished, soloProbability } from './adaptive-replication';
import { claimCounts, lockClaimant } from './claim-rules';
import { findClaimable } from './find-claimable';
import { claimTailDuplicates, leasesOf } from './claim-tail-duplicates';
import { DEFAULT_LEASE_MAX_MS, firstExpiryMs, leaseClock } from './lease-deadline';
import { claimSpotCheck } from './spot-checks';
import { LANE_SLOTS } from './interactive-lane';

const sibling = alias(tasks, 'sibling');

/**
 * Leases up to `slots` replicas to one volunteer session, atomically, at most one per chunk.
 *
 * Locking: a transaction-scoped advisory lock on the volunteer serialises the claims of one volunteer
 * across its sessions (two tabs could otherwise each take a replica of the same chunk, and one
 * volunteer would be its own quorum); claims of different volunteers never wait on each other. The
 * rows come from findClaimable (FOR UPDATE SKIP LOCKED). Each lease gets a fresh random token: the
 * only key that can later complete, renew, fail or release it (fencing), and a deadline no renewal
 * passes (lease-deadline.ts).
 */
export async function claimTasks(db: Db, req: ClaimRequest) {
	return db.transaction(async (tx) => {
		// The network is locked and counted only where its cap applies.
		const network = req.leasesPerNetwork ? req.network : undefined;
		const { run } = await lockClaimant(tx, req.volunteerId, network);
		const who = { ...req, established: isEstablished(run) };
		// The counts and the candidates are sent together, one round trip (both after the locks, in order):
		// candidates beyond the room the counts leave are unlocked at commit, unleased.
		const [counts, candidates] = await Promise.all([
			claimCounts(tx, { ...req, network }),
			findClaimable(tx, { ...who, limit: asked(req) * 4 })
		]);
		const slots = slotsLeft(req, counts);
		if (slots <= 0) return [];
		// A known-answer check takes one slot, by chance, before anything else: the lease looks like any other.
		const spot = req.spotCheckRate && !req.lane && (req.random ?? Math.random)() < req.spotCheckRate ? await claimSpotCheck(tx, who) : null;
		const room = slots - (spot === null ? 0 : 1);
		const chosen = onePerChunk(candidates, room);
		const duplicates =
			chosen.length < room && req.tailMs !== undefined ? await claimTailDuplicates(tx, who, room - chosen.length, req.tailMs) : [];
		const extra = spot === null ? duplicates : [...(await leasesOf(tx, [spot])), ...duplicates];
		if (chosen.length === 0) return extra.map(leaseOf);
		const maxMs = req.leaseMaxMs ?? DEFAULT_LEASE_MAX_MS;
		// The lease, the solo grants and the jobs' start are sent together, one round trip.
		const leasing = tx
			.update(tasks)
			.set({
				state: 'leased',
				leaseToken: sql`gen_random_uuid()`,
				leaseSession: req.sessionId,
				leaseVolunteer: req.volunteerId,
				backendClass: req.backendClass,
				network: req.network ?? null,
				leaseExpiresAt: sql`now() + ${firstExpiryMs(req.leaseMs, maxMs)} * interval '1 millisecond'`,
				...leaseClock(maxMs, sql`jsonb_array_length(${tasks.inputs}) - coalesce(jsonb_array_length(${tasks.checkpoint}), 0)`, tasks.jobId),
				leasedAt: sql`now()`,
				attempts: sql`${tasks.attempts} + 1`
			})
			.from(jobs)
			.where(
				and(
					inArray(
						tasks.id,
						chosen.map((c) => c.id)
					),
					eq(jobs.id, tasks.jobId)
				)
			)
			.returning({
				id: tasks.id,
				jobId: tasks.jobId,
				seq: tasks.seq,
				params: jobs.params,
				replication: jobs.replication,
				jobStatus: jobs.status,
				taskType: tasks.taskType,
				modelId: tasks.modelId,
				inputs: tasks.inputs,
				checkpointed: sql<number>`coalesce(jsonb_array_length(${tasks.checkpoint}), 0)`.mapWith(Number),
				leaseToken: tasks.leaseToken,
				leaseExpiresAt: tasks.leaseExpiresAt
			});
		const [claimed] = await Promise.all([
			leasing,
			goSolo(
				tx,
				req,
				run,
				chosen.filter((t) => t.replication > 1)
			),
			markJobsRunning(tx, [...new Set(chosen.map((t) => t.jobId))])
		]);
		return [...claimed, ...extra].map(leaseOf);
	});
}

function leaseOf<T extends { leaseToken: string | null; leaseExpiresAt: Date | null; checkpointed?: number }>(t: T) {
	return { ...t, checkpointed: t.checkpointed ?? 0, leaseToken: t.leaseToken!, leaseExpiresAt: t.leaseExpiresAt! };
}

/**
 * Room under the caps on live leases, from claimCounts (read under the claim's locks, so two requests
 * racing on one session, or two sockets of one volunteer or network, cannot both see room for the same
 * slot): the session's (its power tier, `maxHeld`), the volunteer's across all its sessions
 * (`maxPerVolunteer`), so opening more sockets does not multiply what one identity can hold, and the
 * network's (`leasesPerNetwork`: one person's sockets and identities, or one NAT, share it).
 */
function slotsLeft(req: ClaimRequest, held: { session: number; volunteer: number; network: number }): number {
	// The lane's lease comes on top of the session's cap (interactive-lane.ts), never of the volunteer's or the network's.
	const maxHeld = req.maxHeld === undefined ? Infinity : req.maxHeld + (req.lane ? LANE_SLOTS : 0);
	const perVolunteer = req.maxPerVolunteer ? req.maxPerVolunteer : Infinity;
	const perNetwork = req.leasesPerNetwork && req.network !== undefined ? req.leasesPerNetwork : Infinity;
	return Math.min(asked(req), maxHeld - held.session, perVolunteer - held.volunteer, perNetwork - held.network);
}

/** The slots a request asks for: on a lane, at most LANE_SLOTS. */
function asked(req: ClaimRequest): number {
	return req.lane ? Math.min(req.slots, LANE_SLOTS) : req.slots;
}

function onePerChunk<T extends { jobId: string; seq: number }>(rows: T[], slots: number): T[] {
	const seen = new Set<string>();
	return rows.filter((r) => !seen.has(`${r.jobId}:${r.seq}`) && seen.add(`${r.jobId}:${r.seq}`)).slice(0, slots);
}

/**
 * Adaptive replication: a trusted volunteer taking the first replica of a chunk in play (no sibling
 * leased or computed yet) may be given the chunk alone. Its siblings stay queued but nobody can take
 * them while the solo lease lives (findClaimable); if that lease ends without a result the grant ends
 * with it (lease-transitions) and the chunk is replicated as usual. The validator accepts a solo
 * replica's result on its own only when it is the chunk's only result. Sent with the lease itself:
 * the sibling check does not read the replica being leased, so their order does not matter.
 */
function goSolo(tx: Db, req: ClaimRequest, run: number, replicated: { id: number; jobId: string; seq: number }[]) {
	const p = soloProbability(run);
	const granted = p === 0 ? [] : replicated.filter(() => (req.random ?? Math.random)() < p);
	return Promise.all(
		granted.map((t) => {
			const inPlay = tx
				.select({ one: sql`1` })
				.from(sibling)
				.where(and(eq(sibling.jobId, t.jobId), eq(sibling.seq, t.seq), ne(sibling.id, t.id), inArray(sibling.state, ['leased', 'done'])));
			return tx
				.update(tasks)
				.set({ solo: true })
				.where(and(eq(tasks.id, t.id), notExists(inPlay)));
		})
	);
}

/** The first lease of a job starts it. Only a queued job changes, so this is a no-op for running ones. */
async function markJobsRunning(tx: Db, jobIds: string[]) {
	if (jobIds.length === 0) return;
	return tx
		.update(jobs)
		.set({ status: 'running', startedAt: sql`now()` })
		.where(and(inArray(jobs.id, jobIds), eq(jobs.status, 'queued')));
}
