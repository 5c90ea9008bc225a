/**
 * One interactive request as a client makes it, timed from before the request is sent: a one-input
 * `/v1/embeddings` call (end to end), and a streamed `/v1/chat/completions` call (time to the first
 * content token, and to the end of the stream). `tag` is a unique marker in the input, by which the
 * bench finds the volunteer's own compute time for the task.
 */
import { api, type HubProcess } from '../../tests/harness/hub-process';

export interface Timed {
	tag: string;
	/** performance.now() when the request was about to be sent. */
	sentAt: number;
	e2eMs: number;
	/** Streams only: until the first chunk that carries generated text. */
	ttftMs?: number;
}

export async function embedOnce(hub: HubProcess, model: string, tag: string): Promise<Timed> {
	const t = performance.now();
	const res = await api(hub, '/v1/embeddings', { method: 'POST', json: { model, input: `interactive request ${tag}` } });
	const body = await res.text();
	if (res.status !== 200) throw new Error(`embeddings: ${res.status} ${body}`);
	return { tag, sentAt: t, e2eMs: performance.now() - t };
}

export async function chatOnce(hub: HubProcess, model: string, tag: string, maxTokens: number): Promise<Timed> {
	const t = performance.now();
	const res = await api(hub, '/v1/chat/completions', {
		method: 'POST',
		json: { model, messages: [{ role: 'user', content: `interactive request ${tag}` }], max_tokens: maxTokens, stream: true }
	});
	if (res.status !== 200 || !res.body) throw new Error(`chat: ${res.status} ${await res.text()}`);
	let ttftMs: number | undefined;
	let buffered = '';
	const decoder = new TextDecoder();
	for await (const bytes of res.body) {
		buffered += decoder.decode(bytes, { stream: true });
		if (ttftMs === undefined && firstContent(buffered)) ttftMs = performance.now() - t;
	}
	if (ttftMs === undefined) throw new Error(`chat: no content in the stream: ${buffered.slice(0, 500)}`);
	return { tag, sentAt: t, e2eMs: performance.now() - t, ttftMs };
}

/** Whether the SSE text so far holds a chunk with a non-empty content delta. */
function firstContent(sse: string): boolean {
	return sse.split('\n').some((line) => {
		if (!line.startsWith('data: ') || line === 'data: [DONE]') return false;
		try {
			const chunk = JSON.parse(line.slice(6)) as { choices?: { delta?: { content?: string } }[] };
			return Boolean(chunk.choices?.[0]?.delta?.content);
		} catch {
			return false; // a line cut at a read boundary: it is parsed again once whole
		}
	});
}
