import { describe, expect, it } from 'vitest';
import { Server } from 'socket.io';
import { JobWatchers } from './job-watchers';
import { jobRoom, type DashboardNamespace } from './rooms';

describe('job watchers', () => {
	// A real Socket.IO server and its in-memory adapter, not attached to any HTTP server (nothing to close): rooms are
	// joined through the adapter, as a socket's join does.
	const io = new Server();
	const nsp = io.of('/dashboard') as unknown as DashboardNamespace;

	it('counts a job watched while a socket here is in its room', () => {
		const watchers = new JobWatchers(nsp, false);
		expect(watchers.watched('a')).toBe(false);
		nsp.adapter.addAll('socket-1', new Set([jobRoom('a')]));
		expect(watchers.watched('a')).toBe(true);
		expect(watchers.watched('b')).toBe(false);
		nsp.adapter.del('socket-1', jobRoom('a'));
		expect(watchers.watched('a')).toBe(false);
	});

	it('counts a job another process announced for three announcement periods, and takes only job ids from an announcement', () => {
		let now = 1_000_000;
		const watchers = new JobWatchers(nsp, true, () => now);
		watchers.heard(['x', 7, { id: 'y' }, null]);
		watchers.heard('z');
		watchers.heard({ 0: 'w' });
		expect(['x', 'y', 'z', 'w'].map((id) => watchers.watched(id))).toEqual([true, false, false, false]);
		now += 29_999;
		expect(watchers.watched('x')).toBe(true);
		now += 1;
		expect(watchers.watched('x')).toBe(false);
		// Announced again, it counts again from then.
		watchers.heard(['x']);
		expect(watchers.watched('x')).toBe(true);
		// A bounded number from one announcement.
		watchers.heard(Array.from({ length: 20_000 }, (_, i) => `many-${i}`));
		expect([watchers.watched('many-9999'), watchers.watched('many-10000')]).toEqual([true, false]);
	});
});
