import { describe, expect, it } from 'vitest';
import { leaseGate } from './lease-gate';
import { awayReport } from './testing';

describe('leaseGate', () => {
	it('gives the tier its leases and the band its weights', () => {
		expect(leaseGate('auto', awayReport(), 60, false)).toMatchObject({
			open: true,
			score: 100,
			tier: 'plugged',
			maxLeases: 5,
			maxCost: Infinity
		});
		const sixty = leaseGate('auto', awayReport({ power: { charging: false, level: 0.6 }, tier: 'mid' }), 60, false);
		expect(sixty).toMatchObject({ open: true, score: 85, tier: 'mid', maxLeases: 2 });
		const moderate = leaseGate(
			'auto',
			awayReport({ idle: { state: 'idle', seconds: 300, thresholdSeconds: 300, source: 'page' }, pressure: 'fair' }),
			60,
			false
		);
		expect(moderate).toMatchObject({ open: true, score: 70, band: 'moderate', maxCost: 500 });
	});

	it('rescores instead of trusting the score sent', () => {
		const g = leaseGate(
			'auto',
			awayReport({ score: 100, idle: { state: 'active', seconds: 0, thresholdSeconds: 300, source: 'idle-detection' } }),
			60,
			false
		);
		expect(g).toMatchObject({ open: false, score: 60, maxLeases: 0 });
		expect(g.blockers.join()).toMatch(/owner/);
	});

	it('applies readiness_threshold with hysteresis', () => {
		// Idle past the threshold (20) + 60 % battery (15) + fair (20) = 55.
		const r = awayReport({
			idle: { state: 'idle', seconds: 300, thresholdSeconds: 300, source: 'page' },
			power: { charging: false, level: 0.6 },
			pressure: 'fair'
		});
		expect(leaseGate('auto', r, 60, false).open).toBe(false);
		expect(leaseGate('auto', r, 60, true).open).toBe(true);
		expect(leaseGate('auto', r, 50, false).open).toBe(true);
		expect(leaseGate('auto', r, 61, true).open).toBe(false);
	});

	it('closes at every gate', () => {
		expect(leaseGate('paused', awayReport(), 60, true).open).toBe(false);
		expect(leaseGate('auto', awayReport({ ready: false }), 60, true).open).toBe(false);
		expect(leaseGate('auto', awayReport({ pressure: 'critical' }), 60, true).open).toBe(false);
		expect(leaseGate('auto', awayReport({ power: { charging: false, level: 0.15 } }), 60, true).open).toBe(false);
	});

	it('waives the idle factor in always mode and counts an ownerless agent as long idle', () => {
		const active = { state: 'active' as const, seconds: 0, thresholdSeconds: 300, source: 'page' as const };
		expect(leaseGate('always', awayReport({ idle: active }), 60, false)).toMatchObject({ open: true, score: 80 });
		expect(leaseGate('always', awayReport({ idle: active, pressure: 'critical' }), 60, false)).toMatchObject({ open: true, score: 60 });
		expect(leaseGate('always', awayReport({ idle: active, power: { charging: false, level: 0.1 } }), 60, false).open).toBe(false);
		expect(leaseGate('always', awayReport({ idle: { ...active, source: 'none' }, pressure: null }), 60, false)).toMatchObject({
			open: true,
			score: 90,
			band: 'heavy'
		});
	});

	it('holds an agent without signals to its own word', () => {
		expect(leaseGate('always', { score: 70, ready: true }, 60, false)).toMatchObject({ open: true, maxLeases: 5, maxCost: 500 });
		expect(leaseGate('always', { score: 70, ready: false }, 60, false).open).toBe(false);
		expect(leaseGate('always', { score: 50, ready: true }, 60, false).open).toBe(false);
	});

	it("caps model cost by the tier's share of device memory", () => {
		expect(leaseGate('auto', awayReport(), 60, false, 8).maxCost).toBeCloseTo(8 * 1024 * 0.9);
		const low = leaseGate('auto', awayReport({ power: { charging: false, level: 0.3 }, tier: 'low' }), 60, false, 0.5);
		expect(low).toMatchObject({ open: true, tier: 'low', maxLeases: 1, maxCost: 256 });
	});
});
