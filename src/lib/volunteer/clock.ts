/**
 * The timers a volunteer keeps its leases and its pace by: the work loop's heartbeat (status reports,
 * renewals of reserved leases) and its waits, the text relay's batching, the readiness monitor's tick.
 * They take a Clock instead of calling setTimeout, because where the timers run matters: a hidden tab's
 * own timers are throttled by Chrome to one wake-up a minute after five minutes, a dedicated worker's
 * are not. So the headless volunteer passes `systemClock`, a browser tab a WorkerClock
 * (worker-clock.ts), and the specs a clock they move by hand (testing.ts).
 */
export interface Clock {
	/** Epoch milliseconds, as Date.now(). */
	now(): number;
	/** Calls `fn` once after `ms`; the function returned cancels it. */
	after(ms: number, fn: () => void): () => void;
	/** Calls `fn` every `ms` until the function returned is called. */
	every(ms: number, fn: () => void): () => void;
}

/** The runtime's own timers: right for Node, and for a page only while it is visible. */
export const systemClock: Clock = {
	now: () => Date.now(),
	after(ms, fn) {
		const timer = setTimeout(fn, ms);
		return () => clearTimeout(timer);
	},
	every(ms, fn) {
		const timer = setInterval(fn, ms);
		return () => clearInterval(timer);
	}
};
