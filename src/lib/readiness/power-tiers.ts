/**
 * The power table from DESIGN.md (the seed README's), as data: what a volunteer may use at each battery
 * state. Both sides enforce it: the volunteer runs at most `concurrent` tasks at once, runs WASM on its share
 * of threads with a duty cycle under `maxCpu`, and declines models over `maxMemory`; the hub never
 * leases more than `concurrent` tasks to it, plus the one it may hold in reserve (RESERVE_LEASES).
 */
export const POWER_TIERS = ['plugged', 'high', 'mid', 'low', 'none'] as const;
export type PowerTier = (typeof POWER_TIERS)[number];

export interface PowerLimits {
	/** Share of the CPU (0–1) the volunteer's compute may keep busy. */
	maxCpu: number;
	/** Share of the device's memory (0–1) a model may need. */
	maxMemory: number;
	/** Tasks leased and run at once. */
	concurrent: number;
}

export const POWER_LIMITS: Record<PowerTier, PowerLimits> = {
	plugged: { maxCpu: 0.9, maxMemory: 0.9, concurrent: 5 },
	high: { maxCpu: 0.7, maxMemory: 0.8, concurrent: 3 },
	mid: { maxCpu: 0.5, maxMemory: 0.7, concurrent: 2 },
	low: { maxCpu: 0.3, maxMemory: 0.5, concurrent: 1 },
	none: { maxCpu: 0, maxMemory: 0, concurrent: 0 }
};

/** Battery level (0–1) a tier starts above, on the way down; on the way up it must pass it by the margin. */
const LOWER_EDGE: Record<Exclude<PowerTier, 'plugged'>, number> = { high: 0.8, mid: 0.5, low: -1, none: -1 };
const ORDER: PowerTier[] = ['none', 'low', 'mid', 'high'];

/** Battery hysteresis: a tier entered on the way up needs its edge + this (5 points of charge). */
export const BATTERY_MARGIN = 0.05;

/**
 * The power tier for a battery state. Unplugged, the tier falls as soon as the level reaches an edge
 * (80 %, 50 %, the floor) and rises only once it is `BATTERY_MARGIN` above it, so a laptop hovering at
 * 50 % does not flap between 2 and 1 tasks. `previous` is the tier last reported (null on a first look).
 * No Battery Status API: the `mid` tier (it scores as 15 points of 30, the same middle ground).
 */
export function powerTier(
	power: { charging: boolean; level: number } | null,
	batteryFloor: number,
	previous: PowerTier | null = null
): PowerTier {
	if (!power) return 'mid';
	if (power.charging) return 'plugged';
	const edges: Record<PowerTier, number> = { ...LOWER_EDGE, low: batteryFloor, plugged: Infinity };
	const plain = (): PowerTier => {
		if (power.level > edges.high) return 'high';
		if (power.level > edges.mid) return 'mid';
		if (power.level > edges.low) return 'low';
		return 'none';
	};
	const tier = plain();
	if (!previous || previous === 'plugged') return tier;
	// Rising above the previous tier: only once the level is past the new tier's edge by the margin.
	let granted: PowerTier = previous;
	for (const t of ORDER.slice(ORDER.indexOf(previous) + 1)) {
		if (ORDER.indexOf(t) > ORDER.indexOf(tier) || power.level <= edges[t] + BATTERY_MARGIN) break;
		granted = t;
	}
	return ORDER.indexOf(tier) < ORDER.indexOf(previous) ? tier : granted;
}

/**
 * The WASM threads a volunteer starts with: its CPU share of the cores, at least one. Threads are fixed
 * when the worker loads ONNX Runtime; later tier changes act through the duty cycle.
 */
export function threadsFor(cpuShare: number, cores: number): number {
	return Math.max(1, Math.round(cores * cpuShare));
}

/**
 * The share of wall time a WASM worker may compute so the machine's CPU stays under `cpuShare`: while
 * it computes, its `threads` keep that many of the `cores` busy. One thread on a 2-core laptop uses
 * half the CPU at most, so a 90 % cap needs no rest at all, and a 30 % cap lets it compute 60 % of
 * the time, not 30 %. With no thread count (WebGPU) the cap applies to the worker's time as it stands.
 */
export function dutyCycleFor(cpuShare: number, cores: number, threads: number | null): number {
	if (!threads || !cores) return cpuShare;
	return Math.min(1, (cpuShare * cores) / Math.min(threads, cores));
}
