/**
 * Readiness over time: the pure score (score.ts) plus hysteresis on every threshold, so a laptop at the
 * edge of one does not flap between computing and not. Each threshold is entered at one value and left
 * at another (the table below, also in DESIGN.md); and after any stop the volunteer waits
 * `resumeDelaySeconds` of continuous readiness before it computes again.
 *
 * | threshold        | becomes blocking / lower                 | clears / rises again                       |
 * |------------------|------------------------------------------|--------------------------------------------|
 * | owner idle       | active at once (the owner is back)       | idle for `idleThresholdSeconds`, then the resume delay |
 * | battery floor    | level ≤ floor on battery                 | level > floor + 5 points, or plugged in    |
 * | power tiers      | level reaches 80 / 50 %                  | level > 85 / 55 %                          |
 * | CPU pressure     | critical                                 | fair or nominal (serious keeps it blocked) |
 * | heat limit (owner's) | serious (or critical)                | fair or nominal                            |
 * | score bands      | score < edge − 5 (75, 55, 35)            | score ≥ edge (80, 60, 40)                  |
 * | hub threshold    | score < readiness_threshold − 5          | score ≥ readiness_threshold                |
 */
import { POWER_LIMITS, powerTier, BATTERY_MARGIN, type PowerLimits, type PowerTier } from './power-tiers';
import { bandOf, scoreReadiness, type Band, type ReadinessSignals } from './score';

export const SCORE_MARGIN = 5;

export interface HysteresisConfig {
	/** Seconds of continuous readiness before computing resumes after a stop. */
	resumeDelaySeconds: number;
	/**
	 * The owner's heat limit: `serious` stops at serious CPU pressure as well, before the built-in
	 * critical stop (and in `always` mode too, where critical counts as serious: the owner chose it).
	 * It clears at fair or nominal, then waits the resume delay like any stop. Absent: `critical`.
	 */
	heatLimit?: 'critical' | 'serious';
}

/** What the last assessment decided; null before the first. */
export interface ReadinessMemory {
	band: Band;
	tier: PowerTier;
	lowBattery: boolean;
	critical: boolean;
	/** Epoch ms since which every gate has been clear; null while one is blocking. */
	clearSince: number | null;
	ready: boolean;
	/** It has been ready before: a later return to readiness is a resume, and waits the delay. */
	wasReady: boolean;
}

export interface Assessment {
	score: number;
	band: Band;
	ready: boolean;
	tier: PowerTier;
	limits: PowerLimits;
	/** Why it is not ready (empty when ready); a pending resume delay is one reason. */
	blockers: string[];
	memory: ReadinessMemory;
}

const ORDER: Band[] = ['none', 'light', 'moderate', 'heavy'];
const EDGE: Record<Band, number> = { none: 0, light: 40, moderate: 60, heavy: 80 };

/** The band with hysteresis: it falls only below its edge minus the margin, and rises at the next edge. */
export function bandWithHysteresis(score: number, previous: Band | null): Band {
	const plain = bandOf(score);
	if (!previous || ORDER.indexOf(plain) >= ORDER.indexOf(previous)) return plain;
	return score >= EDGE[previous] - SCORE_MARGIN ? previous : bandOf(score + SCORE_MARGIN);
}

/** An open/closed gate on a score threshold: opens at `threshold`, closes below `threshold − margin`. */
export function passesThreshold(score: number, threshold: number, wasOpen: boolean, margin = SCORE_MARGIN): boolean {
	return wasOpen ? score >= threshold - margin : score >= threshold;
}

export function assessReadiness(
	signals: ReadinessSignals,
	config: HysteresisConfig,
	memory: ReadinessMemory | null,
	now: number
): Assessment {
	const base = scoreReadiness(signals);
	const { power, batteryFloor, pressure } = signals;
	const onBattery = power !== null && !power.charging;
	const lowBattery = onBattery && power.level <= batteryFloor + (memory?.lowBattery ? BATTERY_MARGIN : 0);
	const critical = pressure === 'critical' || (!!memory?.critical && pressure === 'serious');
	const tier = lowBattery ? 'none' : powerTier(power, batteryFloor, memory?.tier ?? null);
	const blockers = base.blockers.filter((b) => !/battery|pressure/.test(b));
	if (lowBattery) blockers.push(`battery at ${Math.round(power.level * 100)} % and not charging`);
	if (critical) blockers.push('the CPU is under critical pressure');
	else if (config.heatLimit === 'serious' && pressure === 'serious') blockers.push('heat limit: compute pressure is serious');
	const band = bandWithHysteresis(base.score, memory?.band ?? null);
	if (band === 'none') blockers.push(`readiness ${base.score} is below 40`);
	const clearSince = blockers.length > 0 ? null : (memory?.clearSince ?? now);
	// Only a resume waits: a volunteer that has not computed yet starts as soon as it is ready.
	const waited = !memory?.wasReady || memory.ready || now - (clearSince ?? now) >= config.resumeDelaySeconds * 1000;
	if (clearSince !== null && !waited) blockers.push(`resuming after ${config.resumeDelaySeconds} s of readiness`);
	const ready = blockers.length === 0;
	return {
		score: base.score,
		band,
		ready,
		tier,
		limits: POWER_LIMITS[tier],
		blockers,
		memory: { band, tier, lowBattery, critical, clearSince, ready, wasReady: ready || !!memory?.wasReady }
	};
}
