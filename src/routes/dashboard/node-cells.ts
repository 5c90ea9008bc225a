import type { NodeRow } from '$lib/protocol/dashboard';
import { anonymous } from '$lib/components/format';

/** How each node cell reads. */
export const nodeName = (n: NodeRow) => n.name ?? anonymous(n.id);

export const BACKEND_LABELS: Record<NodeRow['backend'], string> = { webgpu: 'WebGPU', wasm: 'WASM', native: 'native' };

export const throughput = (n: NodeRow) => (n.throughput === null ? '—' : `${n.throughput.toFixed(1)}/s`);
