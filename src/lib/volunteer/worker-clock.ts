/**
 * A Clock whose timers tick in a dedicated worker (src/lib/worker/clock.worker.ts), for the volunteer
 * tab: a hidden tab's own timers are throttled to one wake-up a minute, which would let a reserved
 * lease expire, keep the hub's view of this volunteer a minute stale and leave work waiting for a
 * poll. The callbacks still run on the page (the worker's message wakes it at once); only the waiting
 * happens in the worker.
 */
import type { FromClock, ToClock } from '$lib/protocol/worker-messages';
import type { Clock } from './clock';

export class WorkerClock implements Clock {
	private readonly worker = new Worker(new URL('../worker/clock.worker.ts', import.meta.url), { type: 'module' });
	private readonly callbacks = new Map<number, () => void>();
	private nextId = 1;

	constructor() {
		this.worker.onmessage = (event: MessageEvent<FromClock>) => {
			if (event.data.type === 'fire') this.callbacks.get(event.data.id)?.();
		};
	}

	now() {
		return Date.now();
	}

	after(ms: number, fn: () => void) {
		const id = this.nextId++;
		return this.start({ type: 'after', id, ms }, () => {
			this.callbacks.delete(id);
			fn();
		});
	}

	every(ms: number, fn: () => void) {
		return this.start({ type: 'every', id: this.nextId++, ms }, fn);
	}

	/** Ends every timer with the worker. */
	stop() {
		this.callbacks.clear();
		this.worker.terminate();
	}

	private start(msg: Extract<ToClock, { id: number; ms: number }>, fn: () => void) {
		this.callbacks.set(msg.id, fn);
		this.worker.postMessage(msg);
		return () => {
			// Forgotten here first: a 'fire' already on its way is then ignored.
			if (this.callbacks.delete(msg.id)) this.worker.postMessage({ type: 'cancel', id: msg.id } satisfies ToClock);
		};
	}
}
