/** The accept path's shapes, in a leaf module: complete-task, settle-replica and complete-group all read them. */
import type { FailurePolicy } from './lease-transitions';
import type { Settlement, ValidationPolicy } from './validate-chunk';
import type { Completion } from './types';
import type { CurrentLease } from './current-leases';

export type SchedulerPolicy = FailurePolicy &
	ValidationPolicy & {
		/** Chance that an unreplicated result, once accepted, is re-checked behind its volunteer's back (EXOSTACK_LAZY_CHECK_RATE). */
		lazyCheckRate?: number;
		random?: () => number;
	};

export type CompletionOutcome =
	| { stored: true; jobId: string; inputs: number; settlement: Settlement }
	| { stored: false; reason: 'stale_lease' }
	| { stored: false; reason: 'rejected_output'; error: string; jobId: string; settlement: Settlement };

/** A result ready to commit: its full outputs, what is wrong with them, and which path settles it. */
export interface PreparedCompletion {
	/** The result with its full outputs (a checkpoint's first) and its result class settled. */
	c: Completion & { resultClass: string };
	task: CurrentLease;
	problem: string | null;
	/** Unreplicated and no check: one statement accepts it (accept-unreplicated.ts); otherwise the validator. */
	fast: boolean;
	/** Credit if accepted on the fast path. */
	amount: number;
}
