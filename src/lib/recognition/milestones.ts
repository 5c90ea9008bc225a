/**
 * Milestones: the one definition of what a volunteer's record earns, shared by the hub (leaderboard,
 * public page, cards) and the pages. Pure: a record in, badges out.
 *
 * Credit and results milestones are reached for good (the totals only grow, unless a result is
 * overturned); a streak milestone holds while the streak does: consecutive UTC days, each with at
 * least one accepted result, ending today or yesterday (today is not over yet).
 */

export type MilestoneKind = 'credit' | 'results' | 'streak';

/** Thresholds per kind, ascending. */
export const MILESTONES: Record<MilestoneKind, readonly number[]> = {
	credit: [100, 1_000, 10_000, 100_000, 1_000_000],
	results: [10, 100, 1_000, 10_000, 100_000],
	streak: [3, 7, 30, 100]
};

/** Streaks are counted back at most this far: past the largest milestone, a longer streak earns nothing more. */
export const STREAK_CAP_DAYS = MILESTONES.streak.at(-1)!;

/** What milestones are earned from: all-time credit, accepted results, the current streak in days. */
export interface Achievements {
	credit: number;
	results: number;
	streak: number;
}

export interface Milestone {
	kind: MilestoneKind;
	threshold: number;
	/** Short, for a badge: "10k credit", "100 results", "7-day streak". */
	label: string;
}

const KINDS: MilestoneKind[] = ['credit', 'results', 'streak'];

/** 1000 → "1k", 1000000 → "1M": badges are small. */
export function shortNumber(n: number): string {
	if (n >= 1_000_000) return `${n / 1_000_000}M`;
	if (n >= 1_000) return `${n / 1_000}k`;
	return String(n);
}

const LABELS: Record<MilestoneKind, (t: number) => string> = {
	credit: (t) => `${shortNumber(t)} credit`,
	results: (t) => `${shortNumber(t)} results`,
	streak: (t) => `${t}-day streak`
};

function milestone(kind: MilestoneKind, threshold: number): Milestone {
	return { kind, threshold, label: LABELS[kind](threshold) };
}

/** Every milestone reached, by kind, lowest first. */
export function reached(a: Achievements): Milestone[] {
	return KINDS.flatMap((kind) => MILESTONES[kind].filter((t) => a[kind] >= t).map((t) => milestone(kind, t)));
}

/** The highest milestone reached of each kind: what a leaderboard row or a card shows. */
export function badges(a: Achievements): Milestone[] {
	return KINDS.flatMap((kind) => {
		const top = MILESTONES[kind].filter((t) => a[kind] >= t).at(-1);
		return top === undefined ? [] : [milestone(kind, top)];
	});
}

/** The next milestone of each kind not yet reached, with how far along it is (0 to 1). */
export function nextMilestones(a: Achievements): (Milestone & { progress: number })[] {
	return KINDS.flatMap((kind) => {
		const next = MILESTONES[kind].find((t) => a[kind] < t);
		return next === undefined ? [] : [{ ...milestone(kind, next), progress: Math.max(0, a[kind]) / next }];
	});
}
