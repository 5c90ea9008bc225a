import type {
	Ack,
	StatusPayload,
	TaskCheckpoint,
	TaskFailure,
	TaskLease,
	TaskProgress,
	TaskRelease,
	TaskRequest,
	TaskResult
} from '../../protocol/events';
import { leaseGate } from '../../readiness/lease-gate';
import { PRIORITIES } from '../../protocol/jobs';
import type { Notifier } from '../notifier';
import { closeSession, updateSessions, type SessionStatus } from '../volunteers/sessions';
import { SessionCounters } from '../volunteers/session-counters';
import { checkpointTask } from './checkpoint-task';
import { failTask } from './fail-task';
import { releaseLeases, releaseSessionLeases } from './release-leases';
import type { LeaseClaim } from './lease-transitions';
import { renewLeases, type Renewal } from './renew-lease';
import { announce, finishAndTell } from './work-announce';
import { FinishChecks } from './finish-checks';
import { handInResults, reportOutcome, type HandIn } from './work-hand-in';
import { GroupCommit } from './group-commit';
import { ClaimGate } from './claim-gate';
import { CLAIM_GROUP_MAX, claimGroup, type ClaimedLease } from './claim-tasks';
import type { ClaimRequest } from './types';
import type { CompletionOutcome } from './completion-types';
import { leaseWork } from './work-lease';
import { LeaseBook } from './lease-book';
import { taskOffsets } from './task-offsets';
import type { WorkDeps, WorkSession } from './work-types';
import type { ClaimRider } from './claim-rider';
import type { Feeder } from './feeder';

const STALE = { ok: false, error: 'this lease is no longer yours', code: 'stale_lease' } as const;

/**
 * Everything a volunteer does with work, transport-free: lease, hand in, fail, release, checkpoint,
 * renew, report status, leave. Each verb returns a plain outcome (the acknowledgement's content) once
 * what it changed is committed; a transport parses, calls and acknowledges. The notifier is given here,
 * so nothing is assigned after start.
 */
export class VolunteerWork {
	private readonly counters: SessionCounters;
	private readonly leaving = new Set<Promise<void>>();
	/** Results arriving within a few ms are committed together (group-commit.ts); so are renewals, releases and status reports. */
	private readonly results: GroupCommit<HandIn, CompletionOutcome>;
	private readonly renewals: GroupCommit<Renewal, Date | null>;
	private readonly releases: GroupCommit<LeaseClaim, boolean>;
	private readonly statuses: GroupCommit<SessionStatus, void>;
	private readonly claims: ClaimGate<ClaimRequest, ClaimedLease[]>;
	/** Whether a job is finished, checked once for the results of it settled together (finish-checks.ts). */
	private readonly finishing: FinishChecks;
	/** The leases granted here, so a result's checks need no read of its lease (lease-book.ts). */
	private readonly book = new LeaseBook();

	/**
	 * `feeder`: this process's buffer of held replicas, which its claims pick from (feeder.ts); the transport
	 * tells it of new work. Absent: every claim walks the queue.
	 */
	constructor(
		private readonly deps: WorkDeps,
		private readonly notify: Notifier,
		private readonly feeder?: Feeder
	) {
		this.counters = new SessionCounters(deps.db);
		this.finishing = new FinishChecks((jobId) => finishAndTell(deps, notify, jobId));
		// A statement that lost the database is noted (db/reach.ts): the renewals it could not write are why a lease
		// may then run out, and the sweeper does not charge such an expiry to its holder.
		const noted = <T>(p: Promise<T>) =>
			p.catch((err: unknown) => {
				deps.reach.note(err);
				throw err;
			});
		this.results = new GroupCommit(deps.config.groupCommit, (group) => noted(handInResults(deps, group, this.book)));
		this.claims = new ClaimGate(
			{
				limit: deps.config.claimConcurrency,
				max: Math.min(deps.config.groupCommit.max, CLAIM_GROUP_MAX),
				deadlineMs: deps.config.claimDeadlineMs,
				abandoned: (requests, leases) => void this.giveBack(requests, leases)
			},
			(group) => noted(claimGroup(deps.db, group, feeder))
		);
		this.renewals = new GroupCommit(deps.config.groupCommit, (group) => noted(renewLeases(deps.db, group, deps.config.leaseMs)));
		this.releases = new GroupCommit(deps.config.groupCommit, (group) => noted(releaseLeases(deps.db, group)));
		this.statuses = new GroupCommit(deps.config.groupCommit, (group) =>
			noted(updateSessions(deps.db, group).then(() => group.map(() => undefined)))
		);
	}

	/** A status report: the hub's readiness gate (with its hysteresis) and the session's row. Returns whether the gate is open. */
	async status(s: WorkSession, p: StatusPayload): Promise<boolean> {
		const gateOpen = leaseGate(p.mode, p.readiness, this.deps.config.readinessThreshold, s.gateOpen).open;
		await this.statuses.add({ sessionId: s.sessionId, mode: p.mode, readiness: p.readiness, readyForAi: gateOpen });
		return gateOpen;
	}

	/**
	 * Leases for the session, within what the hub's readiness gate allows it (lease-gate.ts): none while the gate
	 * is shut. A lane claim may carry a new interactive job's insert (claim-rider.ts), which it settles; one the
	 * gate keeps from claiming leaves it waiting for the next taker.
	 */
	async lease(s: WorkSession, p: TaskRequest, rider?: ClaimRider): Promise<TaskLease[]> {
		const gate = leaseGate(s.mode, s.readiness, this.deps.config.readinessThreshold, s.gateOpen, s.capabilities.deviceMemory);
		if (!gate.open) return [];
		return leaseWork(this.deps, this.notify, s, p, gate, this.claims, this.book, rider);
	}

	/**
	 * Where each of these leases' inputs start within their job (a stream's text is placed by it): from the
	 * leases this process granted (lease-book.ts), read only for those it does not keep (a resumed task's).
	 * Read from the book, a streamed completion's lease goes out without a round trip after its claim.
	 */
	async firstInputs(s: WorkSession, leases: { taskId: number; leaseToken: string }[]): Promise<Map<number, number>> {
		const known = new Map<number, number>();
		const unknown: number[] = [];
		for (const l of leases) {
			const kept = this.book.peek({ ...l, volunteerId: s.volunteerId });
			if (kept) known.set(l.taskId, kept.firstInput);
			else unknown.push(l.taskId);
		}
		for (const [taskId, first] of await taskOffsets(this.deps.db, unknown)) known.set(taskId, first);
		return known;
	}

	async renew(s: WorkSession, p: TaskProgress): Promise<Ack<{ leaseExpiresAt: number }>> {
		const until = await this.renewals.add({ ...p, volunteerId: s.volunteerId });
		return until ? { ok: true, leaseExpiresAt: until.getTime() } : STALE;
	}

	/**
	 * One result; acknowledged after the commit of the group it joined. An interactive task's result (as its
	 * lease in the book says, not the volunteer) is committed at once on its own: its client waits.
	 */
	async handIn(s: WorkSession, p: TaskResult): Promise<Ack> {
		const lease = this.book.peek({ ...p, volunteerId: s.volunteerId });
		const outcome = await this.results.add({ s, p }, lease !== undefined && lease.priority >= PRIORITIES.interactive);
		return reportOutcome(this.deps, this.notify, this.counters, this.finishing, { s, p }, outcome);
	}

	/** Several results in one message: each joins the current group, each gets its own outcome. */
	async handInMany(s: WorkSession, ps: TaskResult[]): Promise<Ack[]> {
		return Promise.all(ps.map((p) => this.handIn(s, p)));
	}

	async fail(s: WorkSession, p: TaskFailure): Promise<Ack> {
		this.book.forget({ ...p, volunteerId: s.volunteerId });
		const row = await failTask(this.deps.db, { ...p, volunteerId: s.volunteerId }, this.deps.config.policy);
		if (!row) return STALE;
		this.deps.observe.taskFailed(s.volunteerId, { jobId: row.jobId, taskId: p.taskId, leaseToken: p.leaseToken }, row.state, p.error);
		await announce(this.notify, this.finishing, row.jobId, row.settlement);
		return { ok: true };
	}

	async release(s: WorkSession, p: TaskRelease): Promise<Ack> {
		this.book.forget({ ...p, volunteerId: s.volunteerId });
		if (!(await this.releases.add({ taskId: p.taskId, leaseToken: p.leaseToken, volunteerId: s.volunteerId }))) return STALE;
		this.notify.workAvailable(1);
		return { ok: true };
	}

	async checkpoint(s: WorkSession, p: TaskCheckpoint): Promise<Ack<{ kept: number }>> {
		this.book.forget({ ...p, volunteerId: s.volunteerId });
		const outcome = await checkpointTask(this.deps.db, { ...p, volunteerId: s.volunteerId });
		if ('error' in outcome) return { ok: false, error: outcome.error, code: outcome.code };
		this.notify.workAvailable(1);
		return { ok: true, kept: outcome.kept };
	}

	/** A dropped connection gives its leases back at once, so another volunteer picks them up now, not at expiry. */
	leave(sessionId: string): void {
		const done = this.goodbye(sessionId).finally(() => this.leaving.delete(done));
		this.leaving.add(done);
	}

	/** Waits for departed sessions' leases to be given back and the counters written, and gives the feeder's holds back (a clean shutdown). */
	async drain(): Promise<void> {
		await Promise.all([this.results.drain(), this.renewals.drain(), this.releases.drain(), this.statuses.drain()]);
		await Promise.allSettled([...this.leaving, this.counters.close(), this.feeder?.stop()]);
	}

	/** Leases a claim granted after its requests were refused for want of an answer in time (claim-gate.ts): nobody runs them. */
	private async giveBack(requests: ClaimRequest[], leases: ClaimedLease[][]) {
		try {
			const given = leases.flatMap((claimed, i) =>
				claimed.map((t) => ({ taskId: t.id, leaseToken: t.leaseToken, volunteerId: requests[i].volunteerId }))
			);
			await releaseLeases(this.deps.db, given);
			if (given.length > 0) this.notify.workAvailable(given.length);
		} catch (err) {
			// They still end by expiry; the sweeper is the backstop.
			this.deps.observe.log.error({ err }, 'could not give back the leases of a claim answered too late; they will expire');
		}
	}

	private async goodbye(sessionId: string) {
		try {
			// Its results still waiting in a group commit first: they were sent while it held the leases.
			await this.results.drain();
			await this.counters.flush();
			const released = await releaseSessionLeases(this.deps.db, sessionId);
			await closeSession(this.deps.db, sessionId);
			if (released.length > 0) this.notify.workAvailable(released.length);
		} catch (err) {
			// The leases still end by expiry; the sweeper is the backstop.
			this.deps.observe.log.error({ err, session_id: sessionId }, 'could not release a disconnected session, its leases will expire');
		}
	}
}
