import { describe, expect, it } from 'vitest';
import { readSensors } from './node-sensors';

describe('reading power and idle from what a node reported', () => {
	it('is unknown when the node reported neither (a score-only agent)', () => {
		expect(readSensors({ score: 80, ready: true })).toEqual({ power: null, idleSeconds: null });
		expect(readSensors({ score: 80, ready: true, power: null })).toEqual({ power: null, idleSeconds: null });
	});

	it('reads the battery and the owner’s idle time', () => {
		const idle = { state: 'idle' as const, seconds: 900, thresholdSeconds: 300, source: 'idle-detection' as const };
		expect(readSensors({ score: 70, ready: true, power: { charging: false, level: 0.42 }, idle })).toEqual({
			power: { source: 'battery', battery: 0.42 },
			idleSeconds: 900
		});
		expect(
			readSensors({ score: 0, ready: false, power: { charging: true, level: 1 }, idle: { ...idle, state: 'active', seconds: 12 } })
		).toEqual({
			power: { source: 'ac', battery: 1 },
			idleSeconds: 0
		});
	});

	it('calls an agent with no owner at a keyboard unattended, not idle for its nominal 1e9 s', () => {
		const headless = { state: 'idle' as const, seconds: 1e9, thresholdSeconds: 300, source: 'none' as const };
		expect(readSensors({ score: 100, ready: true, idle: headless }).idleSeconds).toBe('unattended');
	});
});
