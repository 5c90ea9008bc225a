import type { Hub } from '../hub';
import type { Principal } from '../auth/principal';
import type { ModelManifest } from '../../protocol/models';
import type { GenerationOutput } from '../../protocol/generation';
import type { JobGenerationParams } from './generation-request';
import type { Submission } from '../../protocol/jobs';
import { invalidParam } from './errors';
import { readModelJson } from './model-json';
import { runJob } from './run-job';
import { tokenizerFor } from './token-counter';

export interface Generated {
	jobId: string;
	outputs: GenerationOutput[];
	/** Prompt tokens by the model's tokenizer, all prompts together. */
	promptTokens: number;
}

/** The model's context length from its config.json (GPT-2's and Llama-style names), as the executor reads it; null if unknown. */
async function contextLength(hub: Hub, model: ModelManifest): Promise<number | null> {
	const config = (await readModelJson(hub.blobs, model, 'config.json')) as Record<string, unknown> | null;
	const n = config?.n_positions ?? config?.max_position_embeddings ?? config?.n_ctx;
	return typeof n === 'number' && Number.isInteger(n) && n > 0 ? n : null;
}

/** A text-generation job ready to queue, and its prompts' tokens. */
export interface GenerationPlan {
	submission: Submission;
	promptTokens: number;
}

/**
 * The job that completes each prompt. A prompt that would not fit the model's context with `max_tokens`
 * after it is refused (OpenAI's `context_length_exceeded`) instead of having its start cut off by the
 * executor, so `usage` counts exactly what the model read.
 */
export async function planGeneration(
	hub: Hub,
	model: ModelManifest,
	prompts: string[],
	params: JobGenerationParams,
	promptParam: string
): Promise<GenerationPlan> {
	if (!model.files.some((f) => f.path === 'tokenizer.json'))
		throw invalidParam(
			'model',
			`model '${model.id}' has no tokenizer.json to count usage with; it is not served on /v1`,
			'model_not_supported'
		);
	const tokenizer = await tokenizerFor(hub.blobs, model);
	const counts = prompts.map((p) => tokenizer.encode(p).length);
	const context = await contextLength(hub, model);
	const longest = Math.max(...counts);
	if (context !== null && longest + params.max_tokens > context)
		throw invalidParam(
			promptParam,
			`model '${model.id}' reads at most ${context} tokens; this request has ${longest} in its prompt and asks for ${params.max_tokens} more`,
			'context_length_exceeded'
		);
	return {
		submission: { task_type: 'text_generation', model: model.id, input: prompts, priority: 'high', replication: 1, params },
		promptTokens: counts.reduce((a, b) => a + b, 0)
	};
}

/**
 * Runs a planned generation and waits for its completions, or until `clientGone` aborts; a retry with the
 * same `idempotencyKey` waits for the first job.
 */
export async function generate(
	hub: Hub,
	principal: Principal,
	plan: GenerationPlan,
	idempotencyKey: string | null,
	clientGone: AbortSignal
): Promise<Generated> {
	const job = await runJob(hub, principal, plan.submission, idempotencyKey, clientGone);
	return { jobId: job.job_id, outputs: job.result as GenerationOutput[], promptTokens: plan.promptTokens };
}
