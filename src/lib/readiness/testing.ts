/**
 * The readiness fixture for specs: one machine, its owner away half an hour, plugged in, under no CPU
 * pressure (a perfect 100). Specs change what they test from there; the scoring's view of it and the
 * report a volunteer sends the hub come from the same numbers, so they cannot drift apart.
 */
import type { Readiness } from '../protocol/volunteer';
import type { ReadinessSignals } from './score';

const AWAY = {
	idleSeconds: 1800,
	thresholdSeconds: 300,
	power: { charging: true, level: 1 },
	batteryFloor: 0.2,
	pressure: 'nominal'
} as const;

/** The machine as the readiness score reads it. */
export function awaySignals(over: Partial<ReadinessSignals> = {}): ReadinessSignals {
	return {
		idle: { userActive: false, idleSeconds: AWAY.idleSeconds },
		idleThresholdSeconds: AWAY.thresholdSeconds,
		power: { ...AWAY.power },
		batteryFloor: AWAY.batteryFloor,
		pressure: AWAY.pressure,
		...over
	};
}

/** The machine as a volunteer reports it to the hub (the handshake and `status`), its owner seen by the Idle Detection API. */
export function awayReport(over: Partial<Readiness> = {}): Readiness {
	return {
		score: 100,
		ready: true,
		idle: { state: 'idle', seconds: AWAY.idleSeconds, thresholdSeconds: AWAY.thresholdSeconds, source: 'idle-detection' },
		power: { ...AWAY.power },
		batteryFloor: AWAY.batteryFloor,
		pressure: AWAY.pressure,
		...over
	};
}
