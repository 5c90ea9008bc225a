/**
 * The hub's side of readiness: from what a volunteer reports, how many tasks it may hold and how heavy
 * they may be. The hub does not take the volunteer's word for its score: when the signals are there it
 * scores them with the same pure function, applies the power table and its own `readiness_threshold`
 * (with hysteresis, remembered per connection), and only then leases. An agent that sends only a score
 * and a flag (older or non-browser agents) is held to those.
 */
import { passesThreshold, bandWithHysteresis } from './hysteresis';
import { POWER_LIMITS, powerTier, type PowerTier } from './power-tiers';
import { scoreReadiness, waivedForAlways, type Band } from './score';
import { maxCostForBand } from './task-weights';
import type { Readiness } from '../protocol/volunteer';

export interface LeaseGate {
	/** Whether any task may be leased (the hub's `ready_for_ai`). */
	open: boolean;
	score: number;
	band: Band;
	tier: PowerTier;
	/** Most tasks the volunteer may run at once (the claim lets it hold RESERVE_LEASES more, waiting to start). */
	maxLeases: number;
	/** Tasks of models costing this much or more are not leased to it (task weight by band). */
	maxCost: number;
	/** Why it is closed (empty when open). */
	blockers: string[];
}

/** An agent with no owner (idle source `none`) counts as long idle. */
function idleFor(idle: NonNullable<Readiness['idle']>) {
	if (idle.source === 'none') return { userActive: false, idleSeconds: 1e9 };
	return { userActive: idle.state === 'active', idleSeconds: idle.seconds };
}

/**
 * The largest model (cost: MB of weights) a tier lets a machine of `deviceMemoryGb` load: the tier's
 * memory share of it. Unknown memory: no cap from memory (the band's still applies).
 */
export function memoryCapMb(tier: PowerTier, deviceMemoryGb: number | null | undefined): number {
	return deviceMemoryGb ? deviceMemoryGb * 1024 * POWER_LIMITS[tier].maxMemory : Infinity;
}

export function leaseGate(mode: string, r: Readiness, threshold: number, wasOpen: boolean, deviceMemoryGb?: number | null): LeaseGate {
	if (mode === 'paused') return closed(r.score, ['the owner paused this volunteer']);
	if (!r.idle) {
		// No signals: hold the agent to its own score and flag, with the threshold and one task at a time per band.
		const open = r.ready && passesThreshold(r.score, threshold, wasOpen);
		const band = bandWithHysteresis(r.score, null);
		return {
			open,
			score: r.score,
			band,
			tier: 'plugged',
			maxLeases: open ? POWER_LIMITS.plugged.concurrent : 0,
			maxCost: maxCostForBand(band),
			blockers: open ? [] : ['not ready by its own report']
		};
	}
	const batteryFloor = r.batteryFloor ?? 0.2;
	const power = r.power ?? null;
	const signals = {
		idle: idleFor(r.idle),
		idleThresholdSeconds: r.idle.thresholdSeconds,
		power,
		batteryFloor,
		pressure: r.pressure ?? null
	};
	const scored = scoreReadiness(mode === 'always' ? waivedForAlways(signals) : signals);
	const tier = powerTier(power, batteryFloor, r.tier ?? null);
	const band = bandWithHysteresis(scored.score, r.band ?? null);
	const blockers = [...scored.blockers];
	if (!r.ready) blockers.push('the volunteer is not ready by its own report');
	if (!passesThreshold(scored.score, threshold, wasOpen))
		blockers.push(`readiness ${scored.score} is under the hub's threshold ${threshold}`);
	if (tier === 'none') blockers.push('no AI compute at this battery level');
	if (blockers.length > 0) return closed(scored.score, blockers, band, tier);
	const maxCost = Math.min(maxCostForBand(band), memoryCapMb(tier, deviceMemoryGb));
	return { open: true, score: scored.score, band, tier, maxLeases: POWER_LIMITS[tier].concurrent, maxCost, blockers };
}

function closed(score: number, blockers: string[], band: Band = 'none', tier: PowerTier = 'none'): LeaseGate {
	return { open: false, score, band, tier, maxLeases: 0, maxCost: 0, blockers };
}
