import { DELIVERY_WINDOW_MS } from './events';

/** The longest wait between two tries: past this, doubling would leave a receiver that came back waiting for hours. */
export const MAX_RETRY_DELAY_MS = 60 * 60 * 1000;

/**
 * When to try a delivery again after its `attempts`-th failed try: `baseMs` doubled per failure, capped
 * at an hour, with ±20 % jitter so many deliveries that failed together (a receiver down) do not all
 * return at the same instant. Null once the next try would fall past 24 h from the event: give up.
 */
export function nextAttemptAt(
	createdAt: Date,
	attempts: number,
	now: Date,
	baseMs: number,
	random: () => number = Math.random
): Date | null {
	const delay = Math.min(baseMs * 2 ** Math.max(0, attempts - 1), MAX_RETRY_DELAY_MS);
	const jittered = delay * (0.8 + 0.4 * random());
	const at = new Date(now.getTime() + jittered);
	return at.getTime() - createdAt.getTime() > DELIVERY_WINDOW_MS ? null : at;
}
