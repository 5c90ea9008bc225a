/**
 * Each socket's allowance of events (Socket.IO's per-socket middleware, `socket.use`): a steady rate,
 * refused past it with an answer that says when to try again, and the connection cut when a client keeps
 * sending through its refusals. A task request is answered before the next is taken: one socket's lease
 * requests never queue up behind each other on the database.
 */
import type { Socket } from 'socket.io';
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { MAX_RESULTS_PER_MESSAGE, type Ack } from '../../protocol/events';

/** Refusals a socket may collect in one second before it is disconnected: a client that honours retryAfterMs never comes near. */
export const REFUSALS_BEFORE_DISCONNECT = 50;

/** Events answered one at a time per socket: a second while one is pending is refused. */
const ONE_AT_A_TIME = new Set(['task:request']);

type Next = (err?: Error) => void;

/**
 * What an event costs of the budget: a batch of results as many events as it carries (bounded by the
 * schema's maximum, checked later), so batching saves round trips, never rate limits.
 */
function cost(event: string, payload: unknown): number {
	if (event !== 'task:results') return 1;
	const results = (payload as { results?: unknown } | null)?.results;
	return Array.isArray(results) ? Math.min(Math.max(results.length, 1), MAX_RESULTS_PER_MESSAGE) : 1;
}

export interface EventBudget {
	/** A `socket.use` middleware for one socket. */
	middleware(socket: Socket): (packet: unknown[], next: Next) => void;
}

export function eventBudget(eventsPerSecond: number): EventBudget {
	// Keyed by socket id; rate-limiter-flexible's memory store expires each key's window by itself.
	const events = new RateLimiterMemory({ points: eventsPerSecond, duration: 1 });
	const refusals = new RateLimiterMemory({ points: REFUSALS_BEFORE_DISCONNECT, duration: 1 });
	return {
		middleware(socket) {
			const pending = new Set<string>();
			const refuse = (packet: unknown[], error: string, retryAfterMs: number) => {
				const ack = packet.at(-1);
				if (typeof ack === 'function') ack({ ok: false, error, code: 'rate-limited', retryAfterMs } satisfies Ack);
				refusals.consume(socket.id).catch(() => socket.disconnect(true));
			};
			return (packet, next) => {
				const event = String(packet[0]);
				events
					.consume(socket.id, cost(event, packet[1]))
					.then(() => {
						if (!ONE_AT_A_TIME.has(event)) return next();
						const ack = packet.at(-1);
						if (typeof ack !== 'function') return; // unanswerable: whatever it leased would be lost to the client
						if (pending.has(event)) return refuse(packet, `wait for the answer to the previous ${event}`, 0);
						pending.add(event);
						packet[packet.length - 1] = (...reply: unknown[]) => {
							pending.delete(event);
							(ack as (...r: unknown[]) => void)(...reply);
						};
						next();
					})
					.catch((res: unknown) => {
						const wait = res instanceof RateLimiterRes ? res.msBeforeNext : 1000;
						refuse(packet, 'too many events: slow down', wait);
					});
			};
		}
	};
}
