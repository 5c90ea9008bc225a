import { describe, expect, it } from 'vitest';
import { LeaseReserve } from './lease-reserve';
import { FakeHubSocket, lease, ManualClock, settle } from './testing';

function reserve(renewMs = 5000) {
	const hub = new FakeHubSocket();
	hub.connected = true;
	const clock = new ManualClock();
	return { hub, clock, reserve: new LeaseReserve(hub, renewMs, clock) };
}

describe('LeaseReserve', () => {
	it('hands leases out in the order they came', () => {
		const { reserve: r } = reserve();
		r.add([lease(1), lease(2)]);
		expect(r.size).toBe(2);
		expect(r.take()?.taskId).toBe(1);
		expect(r.take()?.taskId).toBe(2);
		expect(r.take()).toBeUndefined();
	});

	it("gives an interactive request's lease out before the batch leases that came before it", () => {
		const { reserve: r } = reserve();
		r.add([lease(1), { ...lease(2), lane: 'interactive' }, lease(3)]);
		expect([r.take(), r.take(), r.take()].map((l) => l?.taskId)).toEqual([2, 1, 3]);
	});

	it('renews each lease renewMs after it came or was last renewed, on its own clock, and stops when empty', async () => {
		const { hub, clock, reserve: r } = reserve(5000);
		const renewed = () => hub.payloads('task:progress').map((p) => p.taskId);
		r.add([lease(1)]);
		await clock.advance(3000);
		r.add([lease(2)]);
		await clock.advance(2000);
		expect(hub.payloads('task:progress')).toEqual([{ taskId: 1, leaseToken: lease(1).leaseToken, done: 0 }]);
		await clock.advance(3000);
		expect(renewed()).toEqual([1, 2]);
		r.renew();
		expect(renewed()).toEqual([1, 2]);
		await clock.advance(2000);
		expect(renewed()).toEqual([1, 2, 1]);
		// Once the reserve is empty nothing more is sent, and nothing waits on the clock.
		r.take();
		r.take();
		await clock.advance(20_000);
		expect(renewed()).toEqual([1, 2, 1]);
	});

	it('drops a reserved lease the hub no longer gives this volunteer', async () => {
		const { hub, clock, reserve: r } = reserve(1000);
		hub.answer('task:progress', ({ taskId }) =>
			taskId === 1 ? { ok: false, error: 'this lease is no longer yours', code: 'stale_lease' } : { ok: true, leaseExpiresAt: 1 }
		);
		r.add([lease(1), lease(2)]);
		await clock.advance(1000);
		r.renew();
		await settle();
		expect(r.size).toBe(1);
		expect(r.take()?.taskId).toBe(2);
	});

	it('gives every lease back to the hub on release, and only forgets them when the hub already has them', () => {
		const { hub, reserve: r } = reserve();
		r.add([lease(1), lease(2), lease(3)]);
		r.forget([2]);
		r.release();
		expect(hub.payloads('task:release')).toEqual([
			{ taskId: 1, leaseToken: lease(1).leaseToken },
			{ taskId: 3, leaseToken: lease(3).leaseToken }
		]);
		expect(r.size).toBe(0);
		r.add([lease(4)]);
		r.forget();
		r.release();
		expect(hub.payloads('task:release')).toHaveLength(2);
	});

	it('sends nothing while disconnected (the hub released them with the session)', () => {
		const { hub, reserve: r } = reserve();
		hub.connected = false;
		r.add([lease(1)]);
		r.release();
		expect(hub.sent).toEqual([]);
		expect(r.size).toBe(0);
	});
});
