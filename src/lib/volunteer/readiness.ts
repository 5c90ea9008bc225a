/**
 * The readiness this volunteer reports. Until the sensors arrive (idle detection, battery, pressure;
 * a later change), the mode alone decides: `always` and `auto` compute whenever connected, `paused`
 * never. The score is the pure scoring function over what is known today: the owner counted as
 * present, power and pressure unknown.
 */
import { DEFAULT_SIGNALS_CONFIG, scoreReadiness } from '$lib/readiness/score';
import type { Readiness, VolunteerMode } from '$lib/protocol/volunteer';

export function currentReadiness(mode: VolunteerMode): Readiness {
	const { score } = scoreReadiness({
		...DEFAULT_SIGNALS_CONFIG,
		idle: { userActive: true, idleSeconds: 0 },
		power: null,
		pressure: null
	});
	return { score, ready: mode !== 'paused' };
}
