import { describe, expect, it } from 'vitest';
import { IdleClock, nodeRows } from './node-rows';
import type { Capabilities, Readiness } from '../../protocol/volunteer';

const capabilities: Capabilities = {
	agent: 'browser',
	backend: 'webgpu',
	webgpu: null,
	cores: 8,
	deviceMemory: 8,
	crossOriginIsolated: true,
	taskTypes: ['embedding']
};

function session(id: string, volunteerId: string, readiness: Readiness, connectedAt: number, extra = {}) {
	return {
		id,
		volunteerId,
		hubId: 'h',
		capabilities,
		mode: 'auto' as const,
		readiness,
		throughput: 2,
		tasksDone: 3,
		connectedAt: new Date(connectedAt),
		lastSeenAt: new Date(connectedAt),
		readyForAi: readiness.ready,
		network: '',
		name: null,
		...extra
	};
}

describe('node rows for the dashboard', () => {
	it('makes one row per volunteer from its newest session, adding up its tabs’ work', () => {
		const rows = nodeRows(
			[session('s1', 'v', { score: 50, ready: true }, 1000), session('s2', 'v', { score: 85, ready: true }, 2000, { name: 'Ada' })],
			new Map([['v', 2]]),
			new IdleClock()
		);
		expect(rows).toEqual([
			expect.objectContaining({
				id: 'v',
				name: 'Ada',
				score: 85,
				band: 'heavy',
				ready: true,
				backend: 'webgpu',
				tasks: 2,
				throughput: 4,
				tasksDone: 6,
				connections: 2,
				power: null,
				idle: null
			})
		]);
	});

	it('shows power and idle time when a node reports them, idle counting from the report, not from each read', () => {
		const clock = new IdleClock();
		const reported = session(
			's',
			'v',
			{
				score: 90,
				ready: true,
				power: { charging: false, level: 0.6 },
				idle: { state: 'idle', seconds: 600, thresholdSeconds: 300, source: 'page' }
			},
			0
		);
		const [first] = nodeRows([reported], new Map(), clock, 1_000_000);
		expect(first.power).toEqual({ source: 'battery', battery: 0.6 });
		expect(first.idle).toBe(1_000_000 - 600_000);
		// Read again later with the same report: the same moment, so the page's clock keeps counting.
		expect(nodeRows([reported], new Map(), clock, 1_005_000)[0].idle).toBe(1_000_000 - 600_000);
		const active = session(
			's',
			'v',
			{ score: 0, ready: false, idle: { state: 'active', seconds: 0, thresholdSeconds: 300, source: 'page' } },
			0
		);
		expect(nodeRows([active], new Map(), clock)[0]).toMatchObject({ idle: 'active', band: 'none', ready: false });
		const headless = session(
			's',
			'v',
			{ score: 100, ready: true, idle: { state: 'idle', seconds: 1e9, thresholdSeconds: 300, source: 'none' } },
			0
		);
		expect(nodeRows([headless], new Map(), clock)[0].idle).toBe('unattended');
	});
});
