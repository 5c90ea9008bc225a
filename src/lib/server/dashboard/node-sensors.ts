/**
 * Power and idle as a node reports them, read defensively from the session's readiness and
 * capabilities JSON. Volunteers report these sensors only once readiness sensing lands (issue 4);
 * until then, and for any node that does not report them, the dashboard shows "unknown".
 * The shapes accepted are the readiness scorer's own (`ReadinessSignals`: `power: { charging, level }`,
 * `idle: { userActive, idleSeconds }`) plus a few plain spellings, so the field names chosen there appear here.
 */
import type { PowerSource } from '../../protocol/dashboard';

export interface NodeSensors {
	power: { source: PowerSource; battery: number | null } | null;
	/** Seconds the owner has been idle when the node last reported; 0 when active; null when unknown. */
	idleSeconds: number | null;
}

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj | null => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : null);
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

export function readSensors(...sources: unknown[]): NodeSensors {
	let power: NodeSensors['power'] = null;
	let idleSeconds: number | null = null;
	// A report may nest its sensor readings (`signals`, `sensors`) beside the score: read those too.
	const nested = sources.map(obj).flatMap((s) => (s ? [s, obj(s.signals), obj(s.sensors)] : []));
	for (const source of nested) {
		if (!source) continue;
		power ??= readPower(obj(source.power) ?? obj(source.battery));
		idleSeconds ??= readIdle(source);
	}
	return { power, idleSeconds };
}

function readPower(p: Obj | null): NodeSensors['power'] {
	if (!p) return null;
	const level = num(p.level) ?? num(p.battery);
	const battery = level === null ? null : Math.min(1, Math.max(0, level > 1 ? level / 100 : level));
	if (typeof p.charging === 'boolean') return { source: p.charging ? 'ac' : 'battery', battery };
	if (p.source === 'ac' || p.source === 'battery') return { source: p.source, battery };
	if (typeof p.plugged === 'boolean') return { source: p.plugged ? 'ac' : 'battery', battery };
	return null;
}

function readIdle(s: Obj): number | null {
	const idle = obj(s.idle);
	if (idle) {
		if (idle.userActive === true || idle.state === 'active') return 0;
		const seconds = num(idle.idleSeconds) ?? num(idle.seconds);
		if (seconds !== null) return Math.max(0, seconds);
	}
	const flat = num(s.idleSeconds);
	return flat === null ? null : Math.max(0, flat);
}
