/**
 * Results that are ready together go to the hub in one `task:results` message instead of one message
 * each. A result waits only while the previous message is unanswered (or for the rest of the current
 * tick): an idle connection sends it at once, a busy one gathers what finished meanwhile, as Nagle's
 * algorithm does. Each result still gets its own acknowledgement, after the hub's commit.
 */
import { MAX_OUTPUTS_PER_MESSAGE, MAX_RESULTS_PER_MESSAGE, type Ack, type TaskResult } from '../protocol/events';
import type { LoopSocket } from './volunteer-socket';

interface Waiting {
	result: TaskResult;
	resolve(reply: Ack): void;
}

export class ResultBatcher {
	private waiting: Waiting[] = [];
	private sending = false;

	constructor(
		private readonly socket: LoopSocket,
		private readonly ackMs: number
	) {}

	/** Hands in one result; resolves with the hub's acknowledgement of it, or a refusal on timeout. */
	send(result: TaskResult): Promise<Ack> {
		return new Promise((resolve) => {
			this.waiting.push({ result, resolve });
			if (!this.sending) {
				this.sending = true;
				void Promise.resolve().then(() => this.drain());
			}
		});
	}

	private async drain() {
		while (this.waiting.length > 0) await this.sendBatch(this.take());
		this.sending = false;
	}

	/** The next message: as many waiting results as fit its count and output bounds (at least one). */
	private take(): Waiting[] {
		let outputs = 0;
		let n = 0;
		while (n < this.waiting.length && n < MAX_RESULTS_PER_MESSAGE) {
			outputs += this.waiting[n].result.outputs.length;
			if (n > 0 && outputs > MAX_OUTPUTS_PER_MESSAGE) break;
			n++;
		}
		return this.waiting.splice(0, n);
	}

	private async sendBatch(batch: Waiting[]) {
		const failed = (e: Error) => ({ ok: false as const, error: e.message });
		if (batch.length === 1) {
			const reply = await this.socket.timeout(this.ackMs).emitWithAck('task:result', batch[0].result).catch(failed);
			return batch[0].resolve(reply);
		}
		const reply = await this.socket
			.timeout(this.ackMs)
			.emitWithAck('task:results', { results: batch.map((w) => w.result) })
			.catch(failed);
		batch.forEach((w, i) => w.resolve(reply.ok ? (reply.results[i] ?? { ok: false, error: 'no acknowledgement' }) : reply));
	}
}
