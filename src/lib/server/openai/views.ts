/** Responses of the /v1 endpoints, in OpenAI's shapes. */
import type { ModelManifest } from '../../protocol/models';
import type { GenerationOutput } from '../../protocol/generation';
import type { Generated } from './generate';
import type { ChatCompletionResponse, CompletionResponse, EmbeddingsResponse, ModelObject } from '../../protocol/rest/openai';

/** A float vector as OpenAI's `encoding_format: "base64"` sends it: little-endian float32 bytes, base64. */
export function base64Vector(vector: number[]): string {
	const bytes = Buffer.alloc(vector.length * 4);
	vector.forEach((x, i) => bytes.writeFloatLE(x, i * 4));
	return bytes.toString('base64');
}

export function embeddingsView(model: string, vectors: number[][], format: 'float' | 'base64', promptTokens: number): EmbeddingsResponse {
	return {
		object: 'list' as const,
		data: vectors.map((v, index) => ({ object: 'embedding' as const, index, embedding: format === 'base64' ? base64Vector(v) : v })),
		model,
		usage: { prompt_tokens: promptTokens, total_tokens: promptTokens }
	};
}

/** One model as `GET /v1/models` lists it; `created` is when the hub imported it (Unix seconds). */
export function modelObject(m: ModelManifest & { createdAt: Date; source: string }): ModelObject {
	return {
		id: m.id,
		object: 'model' as const,
		created: Math.floor(m.createdAt.getTime() / 1000),
		owned_by: m.source === 'demo' ? 'exostack' : 'imported'
	};
}

/** OpenAI's finish reasons: the model's end of text and a stop sequence are both `stop`. */
export const FINISH: Record<GenerationOutput['finish_reason'], 'stop' | 'length'> = { eos: 'stop', stop: 'stop', length: 'length' };

export function usageOf(g: Pick<Generated, 'outputs' | 'promptTokens'>) {
	const completion = g.outputs.reduce((n, o) => n + o.tokens.length, 0);
	return { prompt_tokens: g.promptTokens, completion_tokens: completion, total_tokens: g.promptTokens + completion };
}

export const now = () => Math.floor(Date.now() / 1000);

export function completionView(model: string, g: Generated): CompletionResponse {
	return {
		id: `cmpl-${g.jobId}`,
		object: 'text_completion' as const,
		created: now(),
		model,
		choices: g.outputs.map((o, index) => ({ index, text: o.text, logprobs: null, finish_reason: FINISH[o.finish_reason] })),
		usage: usageOf(g)
	};
}

export function chatCompletionView(model: string, g: Generated): ChatCompletionResponse {
	const [o] = g.outputs;
	return {
		id: `chatcmpl-${g.jobId}`,
		object: 'chat.completion' as const,
		created: now(),
		model,
		choices: [
			{
				index: 0,
				message: { role: 'assistant' as const, content: o.text, refusal: null },
				logprobs: null,
				finish_reason: FINISH[o.finish_reason]
			}
		],
		usage: usageOf(g)
	};
}
