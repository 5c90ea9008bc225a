import { describe, expect, it } from 'vitest';
import type { NodeRow } from '$lib/protocol/dashboard';
import { idle } from './node-cells';

const row = (over: Partial<NodeRow>): NodeRow => ({
	id: '0123456789',
	name: null,
	score: 80,
	band: 'heavy',
	ready: true,
	mode: 'auto',
	backend: 'wasm',
	agent: 'browser',
	power: null,
	idle: null,
	tasks: 0,
	throughput: null,
	tasksDone: 0,
	connections: 1,
	connectedAt: 0,
	...over
});

describe('the Idle cell', () => {
	const now = 10_000_000;

	it('counts idle time up from when idling began', () => {
		expect(idle(row({ idle: now - 7 * 60_000 }), now)).toBe('7 min');
	});

	it('says in use, unknown or unattended where there is no idle time to count', () => {
		expect(idle(row({ idle: 'active' }), now)).toBe('in use');
		expect(idle(row({ idle: null }), now)).toBe('unknown');
		// A native volunteer has no owner at a keyboard: not "11574 d".
		expect(idle(row({ idle: 'unattended', backend: 'native', agent: 'node' }), now)).toBe('unattended');
	});
});
