import { sql } from 'drizzle-orm';
import { jobs, models, tasks } from '../db/schema';
import type { Db } from '../db';
import { rowsOf } from '../db/rows';
import { builtOnce } from '../db/built-once';
import type { TaskType } from '../../protocol/models';
import { PRIORITIES } from '../../protocol/jobs';
import type { ClaimRequest } from './types';

/** A queued replica held in this process's feeder: what picking reads. */
export interface HeldReplica {
	id: number;
	jobId: string;
	seq: number;
	priority: number;
	replication: number;
	taskType: TaskType;
	modelId: string;
	cost: number;
	/** When it was taken here (this process's clock, before the statement went out): its hold ends `holdMs` after. */
	heldAt: number;
}

export interface FeederOptions {
	/** This hub process (hub.id): the holder its holds name. */
	holder: string;
	/** How long a hold lasts unrenewed (EXOSTACK_FEEDER_HOLD_SECONDS). */
	holdMs: number;
	/** The fewest and the most replicas held at once. */
	min?: number;
	max?: number;
}

export interface RefillMark {
	begun: number;
	inFlight: boolean;
}

/** Replicas picked for a request beyond the slots it asks for: spares in case the claim's rules refuse one. */
const SPARE = 1;
/** A refill after new work takes at least this many, past the buffer's target: enough for the new work's first chunks. */
const TOP_UP = 8;

/**
 * A hub process's feeder, after BOINC's: a buffer of ready replicas taken from the queue in claim order by one
 * batched statement (refill), held by this process (`held_by`, `held_until`) so no other process's claim takes
 * them, and picked for a claim group's requests in memory, instead of each request walking the queue in the
 * database past what those before it may take (find-claimable.ts: a group of 32 walked and locked about 1,100
 * rows to lease 32).
 *
 * The pick is a guess: it applies the cheap filters (task type, excluded models, cost band, and the chunks this
 * feeder leased to the same volunteer or network), and the claim's rules, written once in SQL, decide in the
 * claim's transaction (findHeld, under the claim's locks). A replica they refuse is put back for others. A
 * request the buffer cannot fill (no runnable replica held here) walks the queue as before, past held rows.
 *
 * A hold lasts `holdMs` and is given back when the process stops; a crashed process's holds lapse by
 * themselves, and other processes' claims take the replicas again, nothing counted against anyone.
 * Interactive work is never held: the lane walks as before, first. A replica kept for established volunteers
 * (newcomers' quorum) is held like any other, in its turn: whether a claimant is established is read in the
 * claim, so the rules refuse it to the others there, and a spare pick stands in. A lease clears its row's hold
 * (claim-tasks.ts).
 */
export class Feeder {
	/** Held here, in claim order (priority, then chunk number across jobs, then id). */
	private buffer: HeldReplica[] = [];
	/** Picked for a group whose claim is not settled yet. */
	private readonly out = new Set<number>();
	/** For chunks of replicated jobs: the volunteers (and `network:` keys) this feeder leased a replica to. */
	private readonly given = new Map<string, Set<string>>();
	/** The task types claims asked for, and when last: what a refill takes. */
	private readonly asked = new Map<TaskType, number>();
	private lastDemand = 0;
	/** Leases of this process's claims in the current and the last second: the buffer holds about a second's worth. */
	private rate = { second: 0, now: 0, last: 0 };
	private refilling: Promise<void> | null = null;
	/** A refill asked for while one was in flight: run after it, taking at least this many. */
	private again: number | null = null;
	/** A refill for new work: picks wait for it, so new work ahead of the buffer is picked in its turn. */
	private fresh: Promise<void> | null = null;
	private refillsBegun = 0;
	private timer: ReturnType<typeof setInterval> | null = null;
	private stopped = false;

	constructor(
		private readonly db: Db,
		private readonly options: FeederOptions
	) {}

	/** This process, as its holds name it. */
	get holder(): string {
		return this.options.holder;
	}

	/** Where refills stand now, for refilledSince. */
	refillMark(): RefillMark {
		return { begun: this.refillsBegun, inFlight: this.refilling !== null };
	}

	/**
	 * Whether a refill ran at any time since `mark` was taken: a claim during which one ran may have walked past
	 * the rows its statement held locked.
	 */
	refilledSince(mark: RefillMark): boolean {
		return mark.inFlight || this.refillsBegun !== mark.begun;
	}

	/** Replicas held here now (picked ones included). */
	get held(): number {
		return this.buffer.length;
	}

	/**
	 * For each request, the held replicas picked for it (none for a lane's request): in claim order, at most one
	 * per chunk in the group's first picks, and up to its slots plus SPARE. When the buffer leaves a request
	 * short while a refill is in flight, it waits for the refill and picks again: the refill's statement holds
	 * its rows locked until it commits, so a walk beside it would skip them, and a request could come back
	 * empty with work queued.
	 */
	async pick(reqs: ClaimRequest[], slotsOf: (r: ClaimRequest) => number): Promise<number[][]> {
		const batch = reqs.filter((r) => !r.lane);
		if (batch.length === 0 || this.stopped) return reqs.map(() => []);
		const now = Date.now();
		this.lastDemand = now;
		for (const r of batch) for (const t of r.taskTypes) this.asked.set(t, now);
		if (this.fresh) await this.fresh;
		let picks = this.choose(reqs, slotsOf);
		if (this.refilling && picks.some((ids, i) => !reqs[i].lane && ids.length < slotsOf(reqs[i]))) {
			for (const id of picks.flat()) this.out.delete(id);
			await this.refilled();
			picks = this.choose(reqs, slotsOf);
		}
		return picks;
	}

	/**
	 * A request's first picks are its own; its spares may also be the next request's first picks, as a walk's
	 * candidates overlap (the claim leases each row once, in claim order, so a spare unused by one is not skipped
	 * by the next).
	 */
	private choose(reqs: ClaimRequest[], slotsOf: (r: ClaimRequest) => number): number[][] {
		const first = new Set<number>();
		const chunks = new Set<string>();
		const picks = reqs.map((r) => {
			if (r.lane) return [];
			const slots = slotsOf(r);
			const ids: number[] = [];
			for (const h of this.buffer) {
				if (ids.length >= slots + SPARE) break;
				const chunk = `${h.jobId}:${h.seq}`;
				if (this.out.has(h.id) || first.has(h.id) || chunks.has(chunk) || !mayRun(r, h) || this.gaveChunk(chunk, r)) continue;
				if (ids.length < slots) {
					first.add(h.id);
					chunks.add(chunk);
				}
				ids.push(h.id);
			}
			return ids;
		});
		for (const id of picks.flat()) this.out.add(id);
		return picks;
	}

	/**
	 * After a group's claim: the replicas it leased leave the buffer (no longer held: the lease cleared it), and
	 * so do picked ones no longer held here (`gone`); the rest are there for the next group. Refills below half
	 * the target.
	 */
	settle(
		reqs: ClaimRequest[],
		picked: number[][],
		{ chosen, gone: lost }: { chosen: { i: number; id: number; jobId: string; seq: number; replication: number }[]; gone: number[] }
	) {
		const gone = new Set<number>(lost);
		for (const l of chosen) {
			gone.add(l.id);
			if (l.replication > 1) {
				const key = `${l.jobId}:${l.seq}`;
				const to = this.given.get(key) ?? new Set<string>();
				to.add(reqs[l.i].volunteerId);
				if (reqs[l.i].network !== undefined) to.add(`network:${reqs[l.i].network}`);
				this.given.set(key, to);
			}
		}
		for (const ids of picked) for (const id of ids) this.out.delete(id);
		this.buffer = this.buffer.filter((h) => !gone.has(h.id));
		// Every lease of the group is demand the buffer could have met, walked or picked.
		this.count(chosen.length);
		if (this.buffer.length - this.out.size < this.target() / 2) void this.refill(0);
	}

	/**
	 * New work may have been queued (a job, a release, a failure, a re-check): taken in its turn if claims are
	 * being made here, the next picks waiting for it. Without the wait, a request would lease what the buffer
	 * already held behind new work ahead of it in claim order (a re-check, a released replica, a new job's first
	 * chunks).
	 */
	workArrived(): void {
		if (this.stopped || Date.now() - this.lastDemand > this.options.holdMs) return;
		const fresh = this.refill(TOP_UP).finally(() => {
			if (this.fresh === fresh) this.fresh = null;
		});
		this.fresh = fresh;
	}

	/** Resolves once no refill is in flight. */
	async refilled(): Promise<void> {
		while (this.refilling) await this.refilling;
	}

	/** Gives every hold back (the process is stopping); the feeder takes none after. */
	async stop(): Promise<void> {
		this.stopped = true;
		if (this.timer) clearInterval(this.timer);
		this.timer = null;
		await this.refilling?.catch(() => {});
		await this.letGo();
	}

	private target(): number {
		const { min = 16, max = 4096 } = this.options;
		return Math.min(max, Math.max(min, this.rate.last, this.rate.now));
	}

	private count(leased: number): void {
		const second = Math.floor(Date.now() / 1000);
		if (second !== this.rate.second) this.rate = { second, now: 0, last: second === this.rate.second + 1 ? this.rate.now : 0 };
		this.rate.now += leased;
	}

	private gaveChunk(chunk: string, r: ClaimRequest): boolean {
		const to = this.given.get(chunk);
		if (!to) return false;
		return to.has(r.volunteerId) || (r.distinctNetworks === true && r.network !== undefined && to.has(`network:${r.network}`));
	}

	/**
	 * Takes up to the target's room (at least `atLeast`) more replicas of the task types asked lately, in claim
	 * order, past every live hold; one refill at a time, a second request for one runs once after it.
	 */
	private refill(atLeast: number): Promise<void> {
		if (this.refilling) {
			this.again = Math.max(this.again ?? 0, atLeast);
			return this.refilling;
		}
		const types = [...this.asked].filter(([, at]) => Date.now() - at <= this.options.holdMs).map(([t]) => t);
		const room = Math.min((this.options.max ?? 4096) - this.buffer.length, Math.max(atLeast, this.target() - this.buffer.length));
		if (this.stopped || types.length === 0 || room <= 0) return Promise.resolve();
		this.refillsBegun++;
		this.refilling = (async () => {
			try {
				const heldAt = Date.now();
				const rows = rowsOf<HeldReplica>(
					await refillStatement(this.db, {
						holder: this.options.holder,
						ms: this.options.holdMs,
						n: room,
						types: JSON.stringify(types),
						below: PRIORITIES.interactive
					})
				).map((r) => ({
					...r,
					id: Number(r.id),
					seq: Number(r.seq),
					priority: Number(r.priority),
					replication: Number(r.replication),
					cost: Number(r.cost),
					heldAt
				}));
				// One taken again (its hold had lapsed here) is held anew.
				const known = new Map(this.buffer.map((h) => [h.id, h]));
				for (const r of rows) {
					const h = known.get(r.id);
					if (h) h.heldAt = r.heldAt;
					else this.buffer.push(r);
				}
				this.buffer.sort((a, b) => b.priority - a.priority || a.seq - b.seq || a.id - b.id);
				this.watchHolds();
				if (this.stopped) await this.letGo();
			} catch {
				// The claims walk the queue meanwhile; the next settle or new work tries again.
			} finally {
				this.refilling = null;
			}
			if (this.again !== null) {
				const atLeast = this.again;
				this.again = null;
				await this.refill(atLeast);
			}
		})();
		return this.refilling;
	}

	/**
	 * Drops, every third of `holdMs` while the buffer holds anything, what has been held here for `holdMs`: its
	 * hold has lapsed (or is about to: the time is taken before the refill's statement is sent), so other
	 * processes' claims may take it now. Nothing is renewed: the buffer holds about a second's worth, so a hold
	 * normally ends in its lease, and a replica still next in line is simply taken again by the next refill.
	 */
	private watchHolds(): void {
		if (this.timer || this.stopped) return;
		this.timer = setInterval(
			() => {
				const now = Date.now();
				this.buffer = this.buffer.filter((h) => this.out.has(h.id) || now - h.heldAt < this.options.holdMs);
				const chunks = new Set(this.buffer.map((h) => `${h.jobId}:${h.seq}`));
				for (const key of this.given.keys()) if (!chunks.has(key)) this.given.delete(key);
				if (this.buffer.length === 0 && this.timer) {
					clearInterval(this.timer);
					this.timer = null;
				}
			},
			Math.max(50, this.options.holdMs / 3)
		);
		this.timer.unref?.();
	}

	/** Gives back the holds of everything in the buffer that is not out in a claim. */
	private async letGo(): Promise<void> {
		const ids = this.buffer.filter((h) => !this.out.has(h.id)).map((h) => h.id);
		this.buffer = this.buffer.filter((h) => this.out.has(h.id));
		this.given.clear();
		if (ids.length === 0) return;
		await releaseStatement(this.db, { holder: this.options.holder, ids: JSON.stringify(ids) }).catch(() => {
			// They lapse by themselves.
		});
	}
}

/**
 * Whether the request can run the replica at all: its task types, excluded models and cost band, as
 * find-claimable.ts's runnableHere says; a guess that saves picking what the claim's rules will refuse.
 */
function mayRun(r: ClaimRequest, h: HeldReplica): boolean {
	return (
		r.taskTypes.includes(h.taskType) &&
		!(r.excludeModels ?? []).includes(h.modelId) &&
		(r.maxCost === undefined || r.maxCost === Infinity || h.cost < r.maxCost)
	);
}

const ids = sql`array(select jsonb_array_elements_text(${sql.placeholder('ids')}::jsonb)::bigint)`;

/**
 * The batched claim that fills the buffer: the first `n` replicas in claim order (tasks_claimable_idx) of the
 * task types asked, neither interactive, nor a known-answer check, nor waiting out a back-off, nor held live by
 * any process, locked SKIP LOCKED and held here.
 */
const refillStatement = builtOnce<{ holder: string; ms: number; n: number; types: string; below: number }>(
	() => sql`with picked as (
		select ${tasks.id} as id from ${tasks}
		where ${tasks.state} = 'queued' and ${tasks.spotCheck} = false
			and ${tasks.availableAt} <= now()
			and (${tasks.heldBy} is null or ${tasks.heldUntil} < now())
			and ${tasks.priority} < ${sql.placeholder('below')}::int
			and ${tasks.taskType} = any(array(select jsonb_array_elements_text(${sql.placeholder('types')}::jsonb)))
		order by ${tasks.priority} desc, ${tasks.seq} asc, ${tasks.id} asc
		limit ${sql.placeholder('n')}::int
		for update skip locked
	)
	update ${tasks} set held_by = ${sql.placeholder('holder')}::text,
		held_until = now() + ${sql.placeholder('ms')}::float8 * interval '1 millisecond'
	from picked, ${jobs}
	where ${tasks.id} = picked.id and ${jobs.id} = ${tasks.jobId}
	returning ${tasks.id} as id, ${tasks.jobId} as "jobId", ${tasks.seq} as seq, ${tasks.priority} as priority,
		${jobs.replication} as replication, ${tasks.taskType} as "taskType", ${tasks.modelId} as "modelId",
		(select ${models.cost} from ${models} where ${models.id} = ${tasks.modelId}) as cost`
);

/** Gives holds back. */
const releaseStatement = builtOnce<{ holder: string; ids: string }>(
	() => sql`update ${tasks} set held_by = null, held_until = null
		where ${tasks.id} = any(${ids}) and ${tasks.heldBy} = ${sql.placeholder('holder')}::text`
);
