import { describe, expect, it } from 'vitest';
import { nodeRows } from './node-rows';
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
			new Map([['v', 2]])
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
				connections: 2
			})
		]);
	});

	it('never shows the owner’s presence or battery, even when the node reports them', () => {
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
		const [row] = nodeRows([reported], new Map());
		expect(Object.keys(row)).not.toContain('power');
		expect(Object.keys(row)).not.toContain('idle');
		expect(JSON.stringify(row)).not.toMatch(/idle|battery|0\.6|600/);
	});
});
