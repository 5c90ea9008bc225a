/**
 * Power and idle as a node reported them with its readiness (protocol/volunteer.ts: `power`, `idle`).
 * Agents that do not report them (an older volunteer, the seed's score-only heartbeat) show "unknown".
 * An agent with no owner at a keyboard (idle source `none`, the headless volunteer) reports a huge idle
 * time so that it scores as long idle; shown as a duration it read "11574 d", so it is `unattended`.
 */
import type { PowerSource } from '../../protocol/dashboard';
import type { Readiness } from '../../protocol/volunteer';

export interface NodeSensors {
	power: { source: PowerSource; battery: number | null } | null;
	/** Seconds the owner had been idle when the node last reported; 0 when active; null when unknown. */
	idleSeconds: number | 'unattended' | null;
}

export function readSensors(readiness: Readiness): NodeSensors {
	const { power, idle } = readiness;
	return {
		power: power ? { source: power.charging ? 'ac' : 'battery', battery: power.level } : null,
		idleSeconds: !idle ? null : idle.state === 'active' ? 0 : idle.source === 'none' ? 'unattended' : idle.seconds
	};
}
