import type { Socket } from 'socket.io';
import { describe, expect, it, vi } from 'vitest';
import { eventBudget, REFUSALS_BEFORE_DISCONNECT } from './event-budget';

/**
 * The budget's rules on a stand-in socket (only its id and disconnect are read): which packets reach the
 * handlers, in which order, is decided here and not by how a network happens to split them into reads.
 */
function harness(eventsPerSecond = 100) {
	const socket = { id: `s-${Math.random()}`, disconnect: vi.fn() };
	const middleware = eventBudget(eventsPerSecond).middleware(socket as unknown as Socket);
	const send = (event: string) => {
		const ack = vi.fn();
		const packet: unknown[] = [event, {}, ack];
		const next = vi.fn();
		middleware(packet, next);
		return { ack, next, answer: (reply: unknown) => (packet.at(-1) as (r: unknown) => void)(reply) };
	};
	const settled = () => new Promise((r) => setImmediate(r));
	return { socket, send, settled };
}

describe('eventBudget', () => {
	it('takes one task request at a time per socket: a second while the first is unanswered is refused', async () => {
		const { send, settled } = harness();
		const first = send('task:request');
		const second = send('task:request');
		await settled();
		expect(first.next).toHaveBeenCalledTimes(1);
		expect(second.next).not.toHaveBeenCalled();
		expect(second.ack).toHaveBeenCalledWith(expect.objectContaining({ ok: false, code: 'rate-limited', retryAfterMs: 0 }));
		// Once the first is answered (through the wrapped acknowledgement), the next is taken.
		first.answer({ ok: true, tasks: [] });
		expect(first.ack).toHaveBeenCalledWith({ ok: true, tasks: [] });
		const third = send('task:request');
		await settled();
		expect(third.next).toHaveBeenCalledTimes(1);
	});

	it('lets other events through side by side, refuses past the rate with when to retry, and cuts a client that keeps on', async () => {
		const { socket, send, settled } = harness(10);
		const sent = Array.from({ length: 10 + REFUSALS_BEFORE_DISCONNECT + 1 }, () => send('status'));
		await settled();
		expect(sent.filter((s) => s.next.mock.calls.length === 1)).toHaveLength(10);
		const refused = sent.filter((s) => s.ack.mock.calls.length === 1);
		expect(refused).toHaveLength(REFUSALS_BEFORE_DISCONNECT + 1);
		expect(refused[0].ack).toHaveBeenCalledWith(
			expect.objectContaining({ ok: false, code: 'rate-limited', retryAfterMs: expect.any(Number) })
		);
		expect(socket.disconnect).toHaveBeenCalledWith(true);
	});
});
