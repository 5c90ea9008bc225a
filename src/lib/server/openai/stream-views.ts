/** The chunks of a streamed completion, in OpenAI's shapes (`chat.completion.chunk`, streamed `text_completion`). */
import { now, usageOf, FINISH } from './views';
import type { GenerationOutput } from '../../protocol/generation';

type Usage = ReturnType<typeof usageOf>;
type Finish = (typeof FINISH)[keyof typeof FINISH];

export interface ChunkShape {
	/** Sent before any text (chat: the assistant's role), if anything. */
	opening(): object | null;
	delta(index: number, text: string): object;
	finish(index: number, reason: Finish): object;
	/** The last chunk when `stream_options.include_usage` asked for it: no choices, the usage. */
	usage(usage: Usage): object;
}

export function chatChunks(model: string, jobId: string): ChunkShape {
	const head = { id: `chatcmpl-${jobId}`, object: 'chat.completion.chunk', created: now(), model };
	const choice = (index: number, delta: object, finish: Finish | null) => ({
		...head,
		choices: [{ index, delta, logprobs: null, finish_reason: finish }]
	});
	return {
		opening: () => choice(0, { role: 'assistant', content: '' }, null),
		delta: (index, text) => choice(index, { content: text }, null),
		finish: (index, reason) => choice(index, {}, reason),
		usage: (usage) => ({ ...head, choices: [], usage })
	};
}

export function completionChunks(model: string, jobId: string): ChunkShape {
	const head = { id: `cmpl-${jobId}`, object: 'text_completion', created: now(), model };
	const choice = (index: number, text: string, finish: Finish | null) => ({
		...head,
		choices: [{ index, text, logprobs: null, finish_reason: finish }]
	});
	return {
		opening: () => null,
		delta: (index, text) => choice(index, text, null),
		finish: (index, reason) => choice(index, '', reason),
		usage: (usage) => ({ ...head, choices: [], usage })
	};
}

export const finishOf = (o: GenerationOutput) => FINISH[o.finish_reason];
