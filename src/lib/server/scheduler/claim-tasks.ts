import { and, eq, inArray, ne, notExists, sql } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import { jobs, tasks } from '../db/schema';
import type { Db } from '../db';
import { commitUnflushed } from '../db/commit-unflushed';
import { commitBehind, last } from '../db/commit-behind';
import { placedRecords, recordsOf, type Records } from '../db/json-records';
import { builtOnce, byName } from '../db/built-once';
import { rowsOf } from '../db/rows';
import type { ClaimRequest } from './types';
import { isEstablished, soloProbability } from './adaptive-replication';
import { claimCounts, lockClaimants, type Held } from './claim-rules';
import { findClaimable, findHeld, type Candidate } from './find-claimable';
import type { Feeder } from './feeder';
import { claimTailDuplicates, leaseFields, leasesOf } from './claim-tail-duplicates';
import { DEFAULT_LEASE_MAX_MS, firstExpiryMs, leaseClock } from './lease-deadline';
import { claimSpotCheck } from './spot-checks';
import { LANE_SLOTS } from './interactive-lane';

const sibling = alias(tasks, 'sibling');

/** One claim's leases, as the volunteer's payload is built from them. */
export type ClaimedLease = Omit<LeasedRow, 'leaseToken' | 'leaseExpiresAt'> & {
	leaseToken: string;
	leaseExpiresAt: Date;
};

/**
 * The most requests one group claims. A walk's cost grows with the square of the group (each claimant looks
 * past what those before it may take): on PostgreSQL here (a 40,000-task queue, 2 slots a request) a claim cost
 * 7 ms alone, 1.6 ms in groups of 8, 1.0-1.4 ms in groups of 16 or 32 and 1.8-1.9 ms in groups of 64. Picks
 * from the feeder cost the same per claim from 16 to 64 (0.58-0.65 ms; bench/dispatch/claim-groups.ts), and a
 * busy hub's throughput is about a group per claim turn: with 5,000 volunteers asking, groups of 64 accepted
 * more tasks a second than groups of 32, and 128 no more than 64. Groups of 256 (results and renewals grouped as
 * large too) gave 134 tasks/s in one run and 694 in another, where a group's renewal took 460 ms (BENCHMARKS.md).
 */
export const CLAIM_GROUP_MAX = 64;

/** Leases up to `slots` replicas to one volunteer session: a group of one (claimGroup). */
export async function claimTasks(db: Db, req: ClaimRequest) {
	return (await claimGroup(db, [req]))[0];
}

/**
 * Leases each request of a group up to its `slots` replicas, at most one per chunk, in one transaction
 * and a handful of statements whatever the group's size; the answer for request `i` is at index `i`.
 * Requests earlier in the group are served first (a lane's request is put first by claim-gate.ts).
 *
 * Locking: transaction-scoped advisory locks on the volunteers (and, where capped, networks) serialise
 * the claims of one volunteer across its sessions (two tabs could otherwise each take a replica of the
 * same chunk, and one volunteer would be its own quorum), across groups and hub processes; claims of
 * other volunteers never wait on them. The rows come from `feeder`, this process's held replicas picked in
 * memory and checked by findHeld, and, for requests its picks leave short or without a feeder, from a walk
 * of the queue (findClaimable); either way locked FOR UPDATE SKIP LOCKED under the same rules. A group
 * leases at most one replica of a chunk: the rules were read before the group's own leases, so two
 * replicas leased together could break them (one network, one class); the next group takes the sibling.
 * Each lease gets a fresh random token: the only key that can later complete, renew, fail or release it
 * (fencing), and a deadline no renewal passes (lease-deadline.ts).
 */
export async function claimGroup(db: Db, reqs: ClaimRequest[], feeder?: Feeder, again = true): Promise<ClaimedLease[][]> {
	if (reqs.length === 0) return [];
	// What this process's feeder holds for each request, picked in memory; checked by the rules under the claim's locks.
	const picks = feeder ? await feeder.pick(reqs, asked) : reqs.map(() => []);
	const mark = feeder?.refillMark();
	const out: Outcome = { chosen: [], gone: [] };
	let leases: ClaimedLease[][];
	let overlapped: boolean;
	try {
		leases = await claimPicked(db, reqs, { holder: feeder?.holder, picks }, out);
		overlapped = feeder !== undefined && feeder.refilledSince(mark!);
		feeder?.settle(reqs, picks, out);
	} catch (err) {
		// Nothing was leased: every pick goes back to the buffer.
		feeder?.settle(reqs, picks, { chosen: [], gone: out.gone });
		throw err;
	}
	// A refill that began after the picks held its rows locked while the claim walked, so the walk skipped them: a
	// request left with nothing is claimed once more, from the buffer the refill filled. An empty answer would
	// leave its volunteer waiting for a nudge already sent.
	const empty = reqs.flatMap((r, i) => (!r.lane && leases[i].length === 0 ? [i] : []));
	if (!feeder || !again || !overlapped || empty.length === 0) return leases;
	await feeder.refilled();
	const retried = await claimGroup(
		db,
		empty.map((i) => reqs[i]),
		feeder,
		false
	);
	empty.forEach((i, k) => (leases[i] = retried[k]));
	return leases;
}

/** What a group's claim did with the rows: `chosen`, leased; `gone`, picked by the feeder but no longer held there. */
interface Outcome {
	chosen: Candidate[];
	gone: number[];
}

/** claimGroup's transaction: the feeder's `picks` for each request, and a walk of the queue for those they leave short. */
async function claimPicked(
	db: Db,
	reqs: ClaimRequest[],
	{ holder, picks }: { holder?: string; picks: number[][] },
	{ chosen, gone }: Outcome
): Promise<ClaimedLease[][]> {
	// The COMMIT goes out behind the leases' statement when nothing follows it (commit-behind.ts): a claim is then two round trips.
	return commitBehind(db, async (tx) => {
		// A network is locked and counted only where its cap applies.
		const capped = reqs.map((r) => ({ ...r, network: r.leasesPerNetwork ? r.network : undefined }));
		// Claimants of one group walk the same queue: each looks past what those before it may take. One the
		// feeder's picks can fill does not walk at all.
		let before = 0;
		const limits = reqs.map((r, i) => {
			const walks = picks[i].length < asked(r);
			const limit = walks ? asked(r) * 4 + before * 2 : 0;
			if (walks) before += asked(r);
			return { ...r, limit, ids: picks[i] };
		});
		// Sent together, one round trip: a lane claim's new job (claim-rider.ts), the locks, then under them the
		// counts and the candidates, in that order (each reaches the driver when first awaited, as written:
		// claim-group.spec checks it), so the candidates include the new job's task; and the unflushed commit,
		// which only has to come before the COMMIT (a claim lost in a database crash only leaves its tasks
		// queued, commit-unflushed.ts). Candidates beyond the room the counts leave are unlocked at commit, unleased.
		const [, , runs, counts, walked, found] = await Promise.all([
			Promise.all(reqs.flatMap((r) => (r.rider ? [r.rider.ride(tx)] : []))),
			commitUnflushed(tx),
			lockClaimants(
				tx,
				reqs.map((r) => r.volunteerId),
				capped.flatMap((r) => (r.network === undefined ? [] : [r.network]))
			),
			claimCounts(tx, capped),
			before > 0 ? findClaimable(tx, limits, holder) : Promise.resolve([]),
			holder === undefined || picks.every((p) => p.length === 0)
				? Promise.resolve({ candidates: [], gone: [] })
				: findHeld(tx, limits, holder)
		]);
		gone.push(...found.gone);
		const held = new Tally(capped, counts);
		// A claimant the picks leave short (the rules refused one, or it was gone) walks the queue after all, one
		// more round trip: the feeder never leaves a request with less than the walk alone would have found.
		let shortBefore = 0;
		const short = reqs.map((r, i) => {
			const got = found.candidates.filter((c) => c.i === i).length;
			const walks = limits[i].limit === 0 && got < held.slotsLeft(r, capped[i]);
			const limit = walks ? asked(r) * 4 + shortBefore * 2 : 0;
			if (walks) shortBefore += asked(r);
			return { ...r, limit };
		});
		const more = shortBefore > 0 ? await findClaimable(tx, short, holder) : [];
		const candidates = [...found.candidates, ...walked, ...more].sort(
			(a, b) => a.i - b.i || b.priority - a.priority || a.seq - b.seq || a.id - b.id
		);
		const run = (r: ClaimRequest) => runs.get(r.volunteerId) ?? 0;
		const who = reqs.map((r) => ({ ...r, established: isEstablished(run(r)) }));
		const leases: ClaimedLease[][] = reqs.map(() => []);
		const spots: ClaimedLease[][] = reqs.map(() => []);
		const taken = new Set<string>();
		const rooms: number[] = [];
		for (const [i, req] of reqs.entries()) {
			let room = held.slotsLeft(req, capped[i]);
			// A known-answer check takes one slot, by chance, before anything else: the lease looks like any other.
			if (room > 0 && req.spotCheckRate && !req.lane && (req.random ?? Math.random)() < req.spotCheckRate) {
				const spot = await claimSpotCheck(tx, who[i]);
				if (spot !== null) {
					spots[i] = (await leasesOf(tx, [spot])).map(leaseOf);
					held.add(capped[i], 1);
					room--;
				}
			}
			const mine: Candidate[] = [];
			for (const c of candidates) {
				if (mine.length >= room) break;
				if (c.i !== i || taken.has(`${c.jobId}:${c.seq}`)) continue;
				taken.add(`${c.jobId}:${c.seq}`);
				mine.push(c);
			}
			chosen.push(...mine);
			held.add(capped[i], mine.length);
			rooms.push(room - mine.length);
		}
		// The leases, the solo grants and the jobs' start are sent together, one round trip.
		const sent =
			chosen.length === 0
				? Promise.resolve([])
				: Promise.all([
						leaseChosen(tx, reqs, chosen),
						...reqs.map((req, i) =>
							goSolo(
								tx,
								req,
								run(req),
								chosen.filter((c) => c.i === i && c.replication > 1)
							)
						),
						markJobsRunning(tx, [...new Set(chosen.map((c) => c.jobId))])
					]).then(([claimed]) => claimed);
		const leased = sent.then((claimed) => {
			const owner = new Map(chosen.map((c) => [c.id, c.i]));
			for (const t of claimed) leases[owner.get(t.id)!].push(leaseOf(t));
			spots.forEach((spot, i) => leases[i].push(...spot));
			return leases;
		});
		// An idle volunteer may duplicate a job's slow last tasks: read after this group's leases, so a
		// duplicate never doubles one of them. Only a claimant left with room looks; without one, the
		// leases are the transaction's last statement.
		const tails = reqs.flatMap((req, i) => (rooms[i] > 0 && req.tailMs !== undefined ? [i] : []));
		if (tails.length === 0) return last(leased);
		await leased;
		for (const i of tails) {
			const duplicates = await claimTailDuplicates(tx, who[i], Math.min(rooms[i], held.slotsLeft(reqs[i], capped[i])), reqs[i].tailMs!);
			leases[i].push(...duplicates.map(leaseOf));
			held.add(capped[i], duplicates.length);
		}
		return last(Promise.resolve(leases));
	});
}

/** Leases the chosen rows, each to its claimant, in one statement per lease ceiling (one, in practice: the hub's). */
async function leaseChosen(tx: Db, reqs: ClaimRequest[], chosen: { i: number; id: number }[]): Promise<LeasedRow[]> {
	const byCeiling = new Map<number, { i: number; id: number }[]>();
	for (const c of chosen) {
		const maxMs = reqs[c.i].leaseMaxMs ?? DEFAULT_LEASE_MAX_MS;
		byCeiling.set(maxMs, [...(byCeiling.get(maxMs) ?? []), c]);
	}
	const leased = await Promise.all(
		[...byCeiling].map(async ([maxMs, rows]) => {
			const to = rows.map(({ i, id }) => {
				const r = reqs[i];
				return { id, s: r.sessionId, v: r.volunteerId, b: r.backendClass, n: r.network ?? null, ms: firstExpiryMs(r.leaseMs, maxMs) };
			});
			return rowsOf<RawLeasedRow>(await leaseStatement(tx, { ...recordsOf(to), maxMs })).map(leasedRow);
		})
	);
	return leased.flat();
}

/** A replica as leaseChosen leases it: what the volunteer's payload is built from, as leasesOf reads it. */
type LeasedRow = Awaited<ReturnType<typeof leasesOf>>[number];
/** A LeasedRow as the driver hands it over: ids and timestamps may come as text. */
type RawLeasedRow = Omit<LeasedRow, 'id' | 'leaseExpiresAt'> & { id: number | string; leaseExpiresAt: Date | string | null };

function leasedRow(r: RawLeasedRow): LeasedRow {
	return {
		...r,
		id: Number(r.id),
		seq: Number(r.seq),
		firstInput: Number(r.firstInput),
		priority: Number(r.priority),
		cost: Number(r.cost),
		replication: Number(r.replication),
		checkpointed: Number(r.checkpointed),
		leaseExpiresAt: r.leaseExpiresAt === null ? null : new Date(r.leaseExpiresAt)
	};
}

/**
 * leaseChosen's statement, its text built once (built-once.ts): every claim runs it, and drizzle took 0.37 ms to
 * build it each time (a fifth of the hub's statement building in bench/dispatch). It returns leaseFields, named
 * (byName), and leasedRow maps them as leasesOf's select does.
 */
const leaseStatement = builtOnce<Records & { maxMs: number }>((tx) =>
	tx
		.update(tasks)
		.set({
			state: 'leased',
			// A leased replica is no feeder's any more: when its lease ends it is queued for every claim.
			heldBy: null,
			heldUntil: null,
			leaseToken: sql`gen_random_uuid()`,
			leaseSession: sql`a.s`,
			leaseVolunteer: sql`a.v`,
			backendClass: sql`a.b`,
			network: sql`a.n`,
			leaseExpiresAt: sql`now() + a.ms * interval '1 millisecond'`,
			...leaseClock(
				sql`${sql.placeholder('maxMs')}`,
				sql`jsonb_array_length(${tasks.inputs}) - coalesce(jsonb_array_length(${tasks.checkpoint}), 0)`,
				tasks.jobId
			),
			leasedAt: sql`now()`,
			attempts: sql`${tasks.attempts} + 1`
		})
		// Written as a list, not a join: a join's condition could not name the updated table.
		.from(sql`${placedRecords(sql`a(id bigint, s text, v text, b text, n text, ms float8)`)} as a, ${jobs}`)
		.where(and(eq(tasks.id, sql`a.id`), eq(jobs.id, tasks.jobId)))
		.returning(byName(leaseFields))
		.getSQL()
);

function leaseOf<T extends { leaseToken: string | null; leaseExpiresAt: Date | null; checkpointed?: number }>(t: T) {
	return { ...t, checkpointed: t.checkpointed ?? 0, leaseToken: t.leaseToken!, leaseExpiresAt: t.leaseExpiresAt! };
}

/**
 * Live leases under the caps, as the group's claim goes: read by claimCounts under the claim's locks (so
 * two claims racing on one session, or two sockets of one volunteer or network, cannot both see room for
 * the same slot), then counting what the group leases, since one group may hold several requests of one
 * session, volunteer or network.
 */
class Tally {
	private readonly leases = new Map<string, number>();

	constructor(who: Holder[], counts: Held[]) {
		who.forEach((w, i) => {
			for (const [key, n] of keysOf(w, counts[i])) if (!this.leases.has(key)) this.leases.set(key, n);
		});
	}

	add(w: Holder, n: number): void {
		for (const [key] of keysOf(w)) this.leases.set(key, (this.leases.get(key) ?? 0) + n);
	}

	/**
	 * Room under the caps on live leases: the session's (its power tier, `maxHeld`), the volunteer's across
	 * all its sessions (`maxPerVolunteer`), so opening more sockets does not multiply what one identity can
	 * hold, and the network's (`leasesPerNetwork`: one person's sockets and identities, or one NAT, share it).
	 */
	slotsLeft(req: ClaimRequest, w: Holder): number {
		const [session, volunteer, network] = keysOf(w).map(([key]) => this.leases.get(key) ?? 0);
		// The lane's lease comes on top of the session's cap (interactive-lane.ts), never of the volunteer's or the network's.
		const maxHeld = req.maxHeld === undefined ? Infinity : req.maxHeld + (req.lane ? LANE_SLOTS : 0);
		const perVolunteer = req.maxPerVolunteer ? req.maxPerVolunteer : Infinity;
		const perNetwork = req.leasesPerNetwork && w.network !== undefined ? req.leasesPerNetwork : Infinity;
		return Math.min(asked(req), maxHeld - session, perVolunteer - volunteer, perNetwork - network);
	}
}

type Holder = { sessionId: string; volunteerId: string; network?: string };

function keysOf(w: Holder, counts: Held = { session: 0, volunteer: 0, network: 0 }): [string, number][] {
	return [
		[`session:${w.sessionId}`, counts.session],
		[`volunteer:${w.volunteerId}`, counts.volunteer],
		[`network:${w.network ?? ''}`, w.network === undefined ? 0 : counts.network]
	];
}

/** The slots a request asks for: on a lane, at most LANE_SLOTS. */
function asked(req: ClaimRequest): number {
	return req.lane ? Math.min(req.slots, LANE_SLOTS) : req.slots;
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
	if (replicated.length === 0) return Promise.resolve([]);
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
