/** How a socket handler's failures are answered: a lost database is worth retrying, anything else is not. */
import { describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { handle, UNAVAILABLE_RETRY_MS } from './handle';

describe('handle', () => {
	const schema = z.object({ n: z.number() });

	it('answers a lost database connection with `unavailable` and when to retry, any other failure with `internal`', async () => {
		const lost = handle(schema, async () => {
			// As drizzle wraps the driver's error for a connection cut under a statement.
			throw new Error('Failed query', { cause: Object.assign(new Error('terminating connection'), { code: '57P01' }) });
		});
		const ack = vi.fn();
		await lost({ n: 1 }, ack);
		expect(ack).toHaveBeenCalledWith({
			ok: false,
			error: expect.stringMatching(/cannot reach its database/),
			code: 'unavailable',
			retryAfterMs: UNAVAILABLE_RETRY_MS
		});

		const broken = handle(schema, async () => {
			throw Object.assign(new Error('duplicate key value'), { code: '23505' });
		});
		const second = vi.fn();
		await broken({ n: 1 }, second);
		expect(second).toHaveBeenCalledWith({ ok: false, error: 'the hub could not process this request', code: 'internal' });

		const invalid = vi.fn();
		await broken({ n: 'x' }, invalid);
		expect(invalid).toHaveBeenCalledWith(expect.objectContaining({ ok: false, code: 'invalid' }));
	});
});
