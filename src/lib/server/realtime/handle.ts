import type { z } from 'zod';
import type { Ack, AckErrorCode } from '../../protocol/events';
import { unstorableTextAt, unstorableTextMessage } from '../db/storable-text';
import { isConnectionLoss } from '../db/reach';
import { log } from '../log';

export function refuse(error: string, code: AckErrorCode): Ack<never> {
	return { ok: false, error, code };
}

/** How long a client told the database is out of reach waits before it sends again. */
export const UNAVAILABLE_RETRY_MS = 1000;

/**
 * Wraps a socket event handler: the payload is parsed with its schema (and its text checked storable)
 * before the handler sees it, a refusal is acknowledged with the reason, and a thrown error becomes an
 * `internal` refusal (or, for a lost database connection, an `unavailable` one to retry) instead of an
 * unhandled rejection. A client that sends no ack callback gets no answer, and nothing breaks.
 */
export function handle<S extends z.ZodType, R extends object>(schema: S, fn: (payload: z.infer<S>) => Promise<Ack<R>>) {
	return async (payload: unknown, ack: unknown) => {
		const reply = typeof ack === 'function' ? (ack as (r: Ack<R>) => void) : () => {};
		const parsed = schema.safeParse(payload);
		if (!parsed.success) return reply(refuse(describe(parsed.error), 'invalid'));
		const unstorable = unstorableTextAt(parsed.data);
		if (unstorable !== null) return reply(refuse(unstorableTextMessage(unstorable), 'invalid'));
		try {
			reply(await fn(parsed.data));
		} catch (err) {
			log.error({ err }, 'socket handler failed');
			// A lost database connection is passing: the client keeps what it sent and tries again (a computed result is not thrown away).
			if (isConnectionLoss(err))
				reply({ ...refuse('the hub cannot reach its database just now; try again', 'unavailable'), retryAfterMs: UNAVAILABLE_RETRY_MS });
			else reply(refuse('the hub could not process this request', 'internal'));
		}
	};
}

function describe(error: z.ZodError): string {
	return error.issues.map((i) => `${i.path.join('.') || 'payload'}: ${i.message}`).join('; ');
}
