/**
 * Loaded into each `exostack volunteer` process the end-to-end part starts (node --import), to time its
 * task requests without changing the CLI: wraps socket.io-client's Socket#emit so a `task:request`'s
 * acknowledgement records its round trip, and writes [sent at (epoch ms), round trip (ms)] of each
 * request that brought tasks to the file named by EXOSTACK_BENCH_LEASE_TIMES when the process exits. This module is the bench's
 * instrument, never loaded by the product.
 */
import { writeFileSync } from 'node:fs';
import { Socket } from 'socket.io-client';

const out = process.env.EXOSTACK_BENCH_LEASE_TIMES;
if (out) {
	/** @type {[number, number][]} */
	const times = [];
	const emit = Socket.prototype.emit;
	/** @this {Socket} @param {string | symbol} event @param {any[]} args */
	Socket.prototype.emit = function (event, ...args) {
		const ack = args.at(-1);
		if (event === 'task:request' && typeof ack === 'function') {
			const sentAt = Date.now();
			const sent = performance.now();
			/** @this {unknown} @param {any[]} reply */
			const timed = function (...reply) {
				// emitWithAck's callback takes (error, reply); a plain ack takes (reply).
				const answer = ack.withError ? reply[1] : reply[0];
				if (answer?.ok && answer.tasks.length > 0) times.push([sentAt, performance.now() - sent]);
				return ack.apply(this, reply);
			};
			// Socket.IO reads this flag to put the error first (timeout()); the wrapper must carry it.
			timed.withError = ack.withError;
			args[args.length - 1] = timed;
		}
		return emit.call(this, event, ...args);
	};
	process.on('exit', () => writeFileSync(out, JSON.stringify(times)));
}
