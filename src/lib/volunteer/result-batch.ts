/**
 * Results that are ready together go to the hub in one `task:results` message instead of one message
 * each. A result waits only while the previous message is unanswered (or for the rest of the current
 * tick): an idle connection sends it at once, a busy one gathers what finished meanwhile, as Nagle's
 * algorithm does. Each result still gets its own acknowledgement, after the hub's commit. An interactive
 * request's result, whose client is waiting, never waits: it goes at once in a message of its own.
 *
 * A result the hub could not take just now (`unavailable`: it lost its database; `rate-limited`) or did
 * not answer at all (a hub restarting) is sent again after a back-off, a few times, while its lease is
 * still renewed: computed work is not thrown away over a passing outage. A final answer (accepted, a
 * stale lease, a rejected output) ends it; one already committed before an unanswered send comes back
 * as a stale lease, which loses nothing.
 */
import { MAX_OUTPUTS_PER_MESSAGE, MAX_RESULTS_PER_MESSAGE, type Ack, type TaskResult } from '../protocol/events';
import type { Clock } from './clock';
import type { LoopSocket } from './volunteer-socket';

/** The most times one result is sent. */
export const MAX_SENDS = 6;
/** The first retry's wait where the hub names none; each further one doubles, up to MAX_RETRY_WAIT_MS. */
const RETRY_WAIT_MS = 1000;
/** The longest wait, whatever the hub asks: a result is worth most while its lease lives. */
const MAX_RETRY_WAIT_MS = 16_000;

interface Waiting {
	result: TaskResult;
	resolve(reply: Ack): void;
	/** Times sent so far. */
	sends: number;
	/** An interactive request's: sent alone and at once, never behind an unanswered message. */
	urgent: boolean;
}

/** A reply, and whether the hub gave it (not a timeout here). */
interface Reply {
	ack: Ack;
	answered: boolean;
}

export class ResultBatcher {
	private waiting: Waiting[] = [];
	private sending = false;

	constructor(
		private readonly socket: LoopSocket,
		private readonly ackMs: number,
		private readonly clock: Clock
	) {}

	/** Hands in one result; resolves with the hub's final acknowledgement of it, or the last refusal once retries are spent. */
	send(result: TaskResult, urgent = false): Promise<Ack> {
		return new Promise((resolve) => this.queue({ result, resolve, sends: 0, urgent }));
	}

	private queue(w: Waiting) {
		if (w.urgent) return void this.sendBatch([w]);
		this.waiting.push(w);
		if (!this.sending) {
			this.sending = true;
			void Promise.resolve().then(() => this.drain());
		}
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
		const replies = await this.exchange(batch);
		batch.forEach((w, i) => {
			w.sends++;
			const wait = retryWait(replies[i], w.sends);
			if (wait === null) w.resolve(replies[i].ack);
			else this.clock.after(wait, () => this.queue(w));
		});
	}

	/** One message for the batch; a reply per result. */
	private async exchange(batch: Waiting[]): Promise<Reply[]> {
		const unanswered = (e: Error): Reply => ({ ack: { ok: false, error: `no answer from the hub (${e.message})` }, answered: false });
		if (batch.length === 1)
			return [
				await this.socket
					.timeout(this.ackMs)
					.emitWithAck('task:result', batch[0].result)
					.then((ack): Reply => ({ ack, answered: true }), unanswered)
			];
		const reply = await this.socket
			.timeout(this.ackMs)
			.emitWithAck('task:results', { results: batch.map((w) => w.result) })
			.catch((e: Error) => e);
		if (reply instanceof Error) return batch.map(() => unanswered(reply));
		return batch.map((_, i) => ({
			ack: reply.ok ? (reply.results[i] ?? { ok: false, error: 'no acknowledgement' }) : reply,
			answered: true
		}));
	}
}

/** How long to wait before sending a result again, or null: its answer is final, or it was sent MAX_SENDS times. */
function retryWait({ ack, answered }: Reply, sends: number): number | null {
	if (ack.ok || sends >= MAX_SENDS) return null;
	if (answered && ack.code !== 'unavailable' && ack.code !== 'rate-limited') return null;
	const backoff = Math.min(RETRY_WAIT_MS * 2 ** (sends - 1), MAX_RETRY_WAIT_MS);
	return Math.min(Math.max(ack.retryAfterMs ?? 0, backoff), MAX_RETRY_WAIT_MS);
}
