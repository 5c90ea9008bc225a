import { describe, expect, it } from 'vitest';
import { readSensors } from './node-sensors';

describe('reading power and idle from what a node reported', () => {
	it('is unknown when the node reported neither (volunteers before readiness sensing)', () => {
		expect(readSensors({ score: 80, ready: true }, { agent: 'browser', backend: 'wasm' })).toEqual({ power: null, idleSeconds: null });
		expect(readSensors(null, 'junk', [1, 2])).toEqual({ power: null, idleSeconds: null });
	});

	it('reads the readiness scorer\'s own shapes', () => {
		expect(readSensors({ power: { charging: false, level: 0.42 }, idle: { userActive: false, idleSeconds: 900 } })).toEqual({
			power: { source: 'battery', battery: 0.42 },
			idleSeconds: 900
		});
		expect(readSensors({ power: { charging: true, level: 1 }, idle: { userActive: true, idleSeconds: 0 } })).toEqual({
			power: { source: 'ac', battery: 1 },
			idleSeconds: 0
		});
	});

	it('takes plain spellings, percentages, and ignores nonsense', () => {
		expect(readSensors({ power: { source: 'ac' }, idleSeconds: 12 })).toEqual({ power: { source: 'ac', battery: null }, idleSeconds: 12 });
		expect(readSensors({ battery: { plugged: false, level: 55 } }).power).toEqual({ source: 'battery', battery: 0.55 });
		expect(readSensors({ power: { source: 'solar' }, idleSeconds: 'long' })).toEqual({ power: null, idleSeconds: null });
	});

	it('reads readings nested under signals or sensors', () => {
		expect(readSensors({ score: 70, ready: true, signals: { power: { charging: true, level: 0.8 }, idle: { userActive: false, idleSeconds: 400 } } })).toEqual({
			power: { source: 'ac', battery: 0.8 },
			idleSeconds: 400
		});
		expect(readSensors({ sensors: { idleSeconds: 30 } }).idleSeconds).toBe(30);
	});

	it('prefers readiness over capabilities and falls back to capabilities', () => {
		expect(readSensors({ idleSeconds: 5 }, { idleSeconds: 50, power: { charging: true, level: 0.9 } })).toEqual({
			power: { source: 'ac', battery: 0.9 },
			idleSeconds: 5
		});
	});
});
