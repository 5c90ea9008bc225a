/** How a /v1 generation request (protocol/rest/openai-requests.ts) sets a text-generation job's params. */
import type { GenerationParams } from '../../protocol/generation';
import type { ChatRequest, CompletionsRequest } from '../../protocol/rest/openai-requests';

/** A text-generation job's `params` as a /v1 request sets them; the job fills in the rest with defaults. */
export type JobGenerationParams = Partial<GenerationParams> & { max_tokens: number };

/** A request's sampling as a text-generation job's `params` (the hub adds a seed when sampling without one). */
export function generationParams(r: CompletionsRequest | ChatRequest, defaultMaxTokens: number): JobGenerationParams {
	const maxTokens = ('max_completion_tokens' in r ? r.max_completion_tokens : null) ?? r.max_tokens ?? defaultMaxTokens;
	return {
		max_tokens: maxTokens,
		temperature: r.temperature ?? 1,
		top_p: r.top_p ?? 1,
		...(r.stop ? { stop: typeof r.stop === 'string' ? [r.stop] : r.stop } : {}),
		...(r.seed !== null && r.seed !== undefined ? { seed: r.seed } : {})
	};
}
