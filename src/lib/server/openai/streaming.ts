/**
 * `stream: true`: a completion as server-sent events, `data: <chunk>` per piece of text as the volunteer
 * generates it (hub.liveText: heard by this hub process, from its own volunteers or through the adapter
 * from another process's), then each choice's finish, the usage if asked for, and `data: [DONE]`.
 * What is refused before the job is queued (a bad key, no volunteer, a quota) is an ordinary JSON error;
 * a failure after the stream began is an `error` event, as OpenAI sends it, which the SDKs raise.
 *
 * The accepted result is the record: live text is only sent while it extends what was sent, and what
 * the result adds after it (text not heard live) comes before the finish. A stream whose live text
 * turned out not to be the accepted result (a rejected volunteer's) ends with an error instead of a
 * wrong completion.
 *
 * An Idempotency-Key counts here as on the non-streamed request: a retry with the key and the same body
 * streams the first request's job (the whole text at once if it is done, or its end as it comes), another
 * body is a 422 before any event. The SDKs retry a stream that broke before its first event, and a client
 * that sent a key has said it means to retry; so its job is not cancelled when its connection drops.
 */
import type { Hub } from '../hub';
import type { Principal } from '../auth/principal';
import type { JobText } from '../../protocol/events';
import type { GenerationOutput } from '../../protocol/generation';
import { OpenAiError } from './errors';
import type { GenerationPlan } from './generate';
import { finishJob, queueJob } from './run-job';
import { inputsOf } from '../../protocol/jobs';
import { finishOf, type ChunkShape } from './stream-views';
import { usageOf } from './views';

const encoder = new TextEncoder();

export async function streamGeneration(
	hub: Hub,
	principal: Principal,
	plan: GenerationPlan,
	shapeFor: (jobId: string) => ChunkShape,
	includeUsage: boolean,
	idempotencyKey: string | null
): Promise<Response> {
	const jobId = await queueJob(hub, principal, plan.submission, idempotencyKey);
	const shape = shapeFor(jobId);
	const abort = new AbortController();
	let unwatch = () => {};
	const body = new ReadableStream<Uint8Array>({
		start(controller) {
			const send = (data: object | string) =>
				controller.enqueue(encoder.encode(`data: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`));
			const sent = new LiveChoices((index, text) => send(shape.delta(index, text)));
			const opening = shape.opening();
			if (opening) send(opening);
			unwatch = hub.liveText.watch(jobId, (text) => sent.hear(text));
			void finish(hub, jobId, inputsOf(plan.submission), abort.signal, idempotencyKey !== null)
				.then((outputs) => {
					for (const [index, output] of outputs.entries()) {
						if (!sent.extendTo(index, output.text))
							throw new OpenAiError(
								500,
								`the text streamed for choice ${index} is not the accepted result; ask again without stream`,
								'server_error'
							);
						send(shape.finish(index, finishOf(output)));
					}
					if (includeUsage) send(shape.usage(usageOf({ outputs, promptTokens: plan.promptTokens })));
					send('[DONE]');
				})
				.catch((e: unknown) => {
					if (abort.signal.aborted) return;
					const error = e instanceof OpenAiError ? e : new OpenAiError(500, 'the hub could not finish this stream', 'server_error');
					if (!(e instanceof OpenAiError)) console.error('exostack: /v1 stream failed:', e);
					send({ error: { message: error.message, type: error.type, param: error.param, code: error.code } });
				})
				.finally(() => {
					unwatch();
					if (!abort.signal.aborted) controller.close();
				});
		},
		// The client went away: its job is cancelled (finishJob sees the abort), nobody computes for nobody;
		// unless it sent an Idempotency-Key, whose retry gets this job, so the job must live to answer it.
		cancel() {
			abort.abort();
			unwatch();
		}
	});
	return new Response(body, {
		headers: { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', 'x-accel-buffering': 'no' }
	});
}

async function finish(hub: Hub, jobId: string, inputs: number, signal: AbortSignal, keepOnAbort: boolean): Promise<GenerationOutput[]> {
	return (await finishJob(hub, jobId, inputs, signal, keepOnAbort)).result as GenerationOutput[];
}

/**
 * Per choice, the text sent so far and the live stream being followed. A reissued task streams anew
 * (another stream id, from offset 0); its text is sent only past what the client already has.
 */
class LiveChoices {
	private sent = new Map<number, string>();
	private live = new Map<number, { stream: string; text: string }>();

	constructor(private readonly emit: (index: number, text: string) => void) {}

	hear(t: JobText) {
		let current = this.live.get(t.index);
		if (!current || current.stream !== t.stream) {
			if (t.offset !== 0) return;
			current = { stream: t.stream, text: '' };
			this.live.set(t.index, current);
		}
		if (t.offset !== current.text.length) return;
		current.text += t.text;
		this.extendTo(t.index, current.text);
	}

	/** Sends what `full` adds to what this choice has; false when `full` does not continue it. */
	extendTo(index: number, full: string): boolean {
		const already = this.sent.get(index) ?? '';
		if (!full.startsWith(already)) return false;
		if (full.length > already.length) {
			this.emit(index, full.slice(already.length));
			this.sent.set(index, full);
		}
		return true;
	}
}
