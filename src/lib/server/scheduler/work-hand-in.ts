import type { Ack, TaskResult } from '../../protocol/events';
import type { Notifier } from '../notifier';
import type { SessionCounters } from '../volunteers/session-counters';
import type { CompletionOutcome } from './completion-types';
import { completeGroup } from './complete-group';
import { announce } from './work-announce';
import type { FinishChecks } from './finish-checks';
import type { LeaseBook } from './lease-book';
import type { WorkDeps, WorkSession } from './work-types';
import { spanNow } from '../observe/tracing';

/** One result as handed in, with the session that sent it. */
export interface HandIn {
	s: WorkSession;
	p: TaskResult;
}

/**
 * A group of results handed in (by one volunteer or several): fenced, checked and settled in one
 * commit (complete-group.ts). Resolves only after that commit, so an acknowledgement never reports a
 * result that could still be lost.
 */
export async function handInResults(deps: WorkDeps, group: HandIn[], book: LeaseBook): Promise<CompletionOutcome[]> {
	const start = spanNow();
	// No result class from the volunteer: the lease fixed class and variant (lease-variant.ts), read with the lease
	// or kept from its claim (lease-book.ts).
	const sent = group.map(({ s, p }) => ({ ...p, volunteerId: s.volunteerId }));
	const outcomes = await completeGroup(
		deps.db,
		sent,
		deps.config.policy,
		sent.map((c) => book.take(c))
	);
	const end = spanNow();
	group.forEach(({ s, p }, i) =>
		deps.observe.resultHandled(s.volunteerId, { taskId: p.taskId, leaseToken: p.leaseToken }, outcomes[i], { start, end })
	);
	return outcomes;
}

/**
 * What follows a committed outcome: the acknowledgement's content, and the bookkeeping after it (job
 * finished? counters), which for an accepted result runs without holding the acknowledgement back (the
 * sweeper is its backstop).
 */
export async function reportOutcome(
	deps: WorkDeps,
	notify: Notifier,
	counters: SessionCounters,
	finishing: FinishChecks,
	{ s, p }: HandIn,
	outcome: CompletionOutcome
): Promise<Ack> {
	if (!outcome.stored) {
		if (outcome.reason === 'stale_lease')
			return { ok: false, error: 'this lease is no longer yours; the result was not accepted', code: 'stale_lease' };
		await announce(notify, finishing, outcome.jobId, outcome.settlement);
		return { ok: false, error: `output rejected: ${outcome.error}`, code: 'rejected_output' };
	}
	counters.count(s.sessionId, outcome.inputs / Math.max(p.durationMs / 1000, 1e-3));
	void announce(notify, finishing, outcome.jobId, outcome.settlement).catch((err) =>
		deps.observe.log.error({ err, job_id: outcome.jobId }, 'after a result')
	);
	return { ok: true };
}
