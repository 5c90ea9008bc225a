import type { NodeRow } from '$lib/protocol/dashboard';
import { anonymous, duration } from '$lib/components/format';

/** How each node cell reads; "unknown" where the node did not report it. */
export const nodeName = (n: NodeRow) => n.name ?? anonymous(n.id);

export function power(n: NodeRow): string {
	if (!n.power) return 'unknown';
	const level = n.power.battery === null ? '' : ` ${Math.round(n.power.battery * 100)} %`;
	return n.power.source === 'ac' ? `AC${level}` : `Battery${level}`;
}

export function idle(n: NodeRow, now: number): string {
	if (n.idle === null) return 'unknown';
	if (n.idle === 'active') return 'in use';
	if (n.idle === 'unattended') return 'unattended';
	return duration((now - n.idle) / 1000);
}

export const BACKEND_LABELS: Record<NodeRow['backend'], string> = { webgpu: 'WebGPU', wasm: 'WASM', native: 'native' };

export const throughput = (n: NodeRow) => (n.throughput === null ? '—' : `${n.throughput.toFixed(1)}/s`);
