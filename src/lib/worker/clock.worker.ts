/// <reference lib="webworker" />
/**
 * The volunteer page's timers, kept in a dedicated worker. Chrome throttles a hidden page's own timers
 * (to one wake-up a minute once it has been hidden five minutes) but not a dedicated worker's, and a
 * message from a worker reaches the page at once: so what keeps leases alive and work flowing ticks
 * here (src/lib/volunteer/worker-clock.ts is the page's side).
 */
import type { FromClock, ToClock } from '../protocol/worker-messages';

declare const self: DedicatedWorkerGlobalScope;

const timers = new Map<number, () => void>();
const fire = (id: number) => self.postMessage({ type: 'fire', id } satisfies FromClock);

self.onmessage = (event: MessageEvent<ToClock>) => {
	const msg = event.data;
	switch (msg.type) {
		case 'after': {
			const timer = setTimeout(() => {
				timers.delete(msg.id);
				fire(msg.id);
			}, msg.ms);
			timers.set(msg.id, () => clearTimeout(timer));
			return;
		}
		case 'every': {
			const timer = setInterval(() => fire(msg.id), msg.ms);
			timers.set(msg.id, () => clearInterval(timer));
			return;
		}
		case 'cancel':
			timers.get(msg.id)?.();
			timers.delete(msg.id);
			return;
	}
};
