import type { Ack, TaskResult } from '../../protocol/events';
import { resultClassOf } from '../../protocol/volunteer';
import type { Notifier } from '../notifier';
import type { SessionCounters } from '../volunteers/session-counters';
import { completeTask, type CompletionOutcome } from './complete-task';
import { leaseResultClass } from './lease-variant';
import { announce } from './work-announce';
import { classOf } from './work-lease';
import type { WorkDeps, WorkSession } from './work-types';

/**
 * One result handed in: fenced, checked and settled (complete-task.ts). Resolves only after its commit,
 * so the caller's acknowledgement never reports a result that could still be lost.
 */
export async function handInResult(deps: WorkDeps, s: WorkSession, p: TaskResult): Promise<CompletionOutcome> {
	const start = Date.now();
	const outcome = await completeTask(
		deps.db,
		// The lease fixed class and variant; what the result says it ran is not taken (lease-variant.ts).
		{ ...p, volunteerId: s.volunteerId, resultClass: (await leaseResultClass(deps.db, p.taskId)) ?? resultClassOf(classOf(s), p.variant) },
		deps.config.policy
	);
	deps.observe.resultHandled(s.volunteerId, { taskId: p.taskId, leaseToken: p.leaseToken }, outcome, { start, end: Date.now() });
	return outcome;
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
	s: WorkSession,
	p: TaskResult,
	outcome: CompletionOutcome
): Promise<Ack> {
	if (!outcome.stored) {
		if (outcome.reason === 'stale_lease')
			return { ok: false, error: 'this lease is no longer yours; the result was not accepted', code: 'stale_lease' };
		await announce(deps, notify, outcome.jobId, outcome.settlement);
		return { ok: false, error: `output rejected: ${outcome.error}`, code: 'rejected_output' };
	}
	counters.count(s.sessionId, outcome.inputs / Math.max(p.durationMs / 1000, 1e-3));
	void announce(deps, notify, outcome.jobId, outcome.settlement).catch((err) =>
		deps.observe.log.error({ err, job_id: outcome.jobId }, 'after a result')
	);
	return { ok: true };
}
