import { describe, expect, it } from 'vitest';
import { bandOf, scoreReadiness, type ReadinessSignals } from './score';
import { awaySignals } from './testing';

/** The fixture's machine, its owner away `idleSeconds`. */
const away = (idleSeconds: number, over: Partial<ReadinessSignals> = {}) =>
	awaySignals({ idle: { userActive: false, idleSeconds }, ...over });

describe('scoreReadiness', () => {
	it('gives the idle points at each edge', () => {
		expect(scoreReadiness(away(1800)).score).toBe(100);
		expect(scoreReadiness(away(1799)).score).toBe(90);
		expect(scoreReadiness(away(600)).score).toBe(90);
		expect(scoreReadiness(away(599)).score).toBe(80);
		expect(scoreReadiness(away(300)).score).toBe(80);
		expect(scoreReadiness(away(299))).toMatchObject({ score: 60, ready: false });
	});

	it('is never ready while the owner is active, however high the rest', () => {
		const r = scoreReadiness(away(5000, { idle: { userActive: true, idleSeconds: 5000 } }));
		expect(r).toMatchObject({ score: 60, ready: false });
		expect(r.blockers[0]).toMatch(/owner/);
	});

	it('gives the power points at each edge and stops at the floor on battery', () => {
		const on = (level: number) => scoreReadiness(away(1800, { power: { charging: false, level } }));
		expect(on(0.81).score).toBe(95);
		expect(on(0.8).score).toBe(85);
		expect(on(0.51).score).toBe(85);
		expect(on(0.5).score).toBe(75);
		expect(on(0.21)).toMatchObject({ score: 75, ready: true });
		expect(on(0.2)).toMatchObject({ score: 70, ready: false });
		expect(scoreReadiness(away(1800, { power: { charging: true, level: 0.05 } }))).toMatchObject({ score: 100, ready: true });
		expect(scoreReadiness(away(1800, { power: null })).score).toBe(85);
	});

	it('gives the resource points and stops at critical pressure', () => {
		const at = (pressure: ReadinessSignals['pressure']) => scoreReadiness(away(1800, { pressure }));
		expect(at('fair').score).toBe(90);
		expect(at('serious').score).toBe(80);
		expect(at(null).score).toBe(90);
		expect(at('critical')).toMatchObject({ score: 70, ready: false });
	});

	it('maps scores onto bands and is not ready in the none band', () => {
		expect([80, 79, 60, 59, 40, 39].map(bandOf)).toEqual(['heavy', 'moderate', 'moderate', 'light', 'light', 'none']);
		// away 5 min (20) + battery 30 % (5) + serious pressure (10) = 35: no gate trips, but too low to work.
		expect(scoreReadiness(away(300, { power: { charging: false, level: 0.3 }, pressure: 'serious' }))).toMatchObject({
			score: 35,
			band: 'none',
			ready: false
		});
	});
});
