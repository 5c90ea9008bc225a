/**
 * The readiness score (0–100), one pure function shared by volunteers and the hub. The seed's weights
 * (idle 40, power 30, resources 30) with its flaw fixed: an active owner, a battery at or under the
 * floor, or critical pressure means not ready, whatever the other factors add up to.
 * See DESIGN.md, "Readiness".
 */

export type PressureState = 'nominal' | 'fair' | 'serious' | 'critical';

export interface ReadinessSignals {
	/** Whether the owner is using the machine, and for how long they have not. */
	idle: { userActive: boolean; idleSeconds: number };
	/** Seconds of inactivity after which the owner counts as away (the seed's idle_duration). */
	idleThresholdSeconds: number;
	/** Battery Status; null when the API is absent. `level` is 0–1. */
	power: { charging: boolean; level: number } | null;
	/** Battery level (0–1) at or under which no AI work runs on battery. */
	batteryFloor: number;
	/** Compute Pressure for the CPU; null when the API is absent. */
	pressure: PressureState | null;
}

export type Band = 'heavy' | 'moderate' | 'light' | 'none';

export interface ReadinessScore {
	score: number;
	/** False when a gate tripped or the score is in the `none` band. */
	ready: boolean;
	band: Band;
	/** The gates that tripped, for the page to explain why it is not computing. */
	blockers: string[];
}

export const DEFAULT_SIGNALS_CONFIG = { idleThresholdSeconds: 300, batteryFloor: 0.2 } as const;

function idlePoints({ idle, idleThresholdSeconds }: ReadinessSignals): [number, string?] {
	if (idle.userActive || idle.idleSeconds < idleThresholdSeconds) return [0, 'the owner is using this machine'];
	if (idle.idleSeconds >= 1800) return [40];
	if (idle.idleSeconds >= 600) return [30];
	return [20];
}

function powerPoints({ power, batteryFloor }: ReadinessSignals): [number, string?] {
	if (!power) return [15];
	if (power.charging) return [30];
	if (power.level <= batteryFloor) return [0, `battery at ${Math.round(power.level * 100)} % and not charging`];
	if (power.level > 0.8) return [25];
	if (power.level > 0.5) return [15];
	return [5];
}

const pressurePoints: Record<PressureState, number> = { nominal: 30, fair: 20, serious: 10, critical: 0 };

function resourcePoints({ pressure }: ReadinessSignals): [number, string?] {
	if (!pressure) return [20];
	return pressure === 'critical' ? [0, 'the CPU is under critical pressure'] : [pressurePoints[pressure]];
}

export function bandOf(score: number): Band {
	if (score >= 80) return 'heavy';
	if (score >= 60) return 'moderate';
	if (score >= 40) return 'light';
	return 'none';
}

export function scoreReadiness(signals: ReadinessSignals): ReadinessScore {
	const parts = [idlePoints(signals), powerPoints(signals), resourcePoints(signals)];
	const score = parts.reduce((sum, [points]) => sum + points, 0);
	const blockers = parts.flatMap(([, why]) => (why ? [why] : []));
	const band = bandOf(score);
	return { score, band, blockers, ready: blockers.length === 0 && band !== 'none' };
}

/**
 * `always` mode: the owner chose to compute while at the machine, so the owner's presence and CPU
 * pressure are waived (presence counts as away past the threshold, critical pressure as serious);
 * the battery floor and the power table still hold.
 */
export function waivedForAlways(signals: ReadinessSignals): ReadinessSignals {
	const { idle, idleThresholdSeconds: t, pressure } = signals;
	const away = !idle.userActive && idle.idleSeconds >= t;
	return {
		...signals,
		idle: away ? idle : { userActive: false, idleSeconds: t },
		pressure: pressure === 'critical' ? 'serious' : pressure
	};
}
