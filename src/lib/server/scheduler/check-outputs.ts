import { z } from 'zod';
import type { EmbeddingConfig, TaskType } from '../../protocol/models';
import { ClassificationOutput, ClassificationParams, GenerationOutput, GenerationParams, MAX_TEXT_CHARS } from '../../protocol/generation';

interface OutputContext {
	inputCount: number;
	embedding: EmbeddingConfig | null;
	/** The job's params (normalised at submission): they bound what a legitimate output can hold. */
	params: Record<string, unknown>;
}

type Checker = (outputs: unknown[], ctx: OutputContext) => string | null;

/**
 * Characters one generated token may decode to. Real vocabularies' longest tokens are runs of spaces or
 * dashes of a few dozen characters; 64 leaves room for any of them while keeping a `max_tokens` job's
 * text within a size its params predict (the result, the status reads built from it, live text).
 */
export const MAX_CHARS_PER_TOKEN = 64;

/** An embedding model whose width the hub does not know still cannot send vectors wider than this. */
const MAX_DIMENSIONS = 65_536;

/** The longest completion a job with these params can legitimately produce, in characters (also live text's bound). */
export function maxCompletionChars(params: Record<string, unknown>): number {
	const parsed = GenerationParams.safeParse(params);
	const maxTokens = parsed.success ? parsed.data.max_tokens : GenerationParams.parse({}).max_tokens;
	return Math.min(MAX_TEXT_CHARS, maxTokens * MAX_CHARS_PER_TOKEN);
}

/** Labels per input a classification job asked for (`top_k`; 0: all, bounded by the output schema). */
function maxLabels(params: Record<string, unknown>): number {
	const parsed = ClassificationParams.safeParse(params);
	const topK = parsed.success ? parsed.data.top_k : ClassificationParams.parse({}).top_k;
	return topK > 0 ? topK : Infinity;
}

const vector = z.array(z.number()).max(MAX_DIMENSIONS);
/** A completion as a volunteer may send it; built once, not per output (zod takes a fraction of a millisecond to build one). */
const completion = z.union([z.string().max(MAX_TEXT_CHARS), GenerationOutput]);

function classification(outputs: unknown[], ctx: OutputContext): string | null {
	const most = maxLabels(ctx.params);
	for (const [i, out] of outputs.entries()) {
		const parsed = ClassificationOutput.safeParse(out);
		if (!parsed.success) return `output ${i} is not a list of {label, score}`;
		if (parsed.data.length > most) return `output ${i} has ${parsed.data.length} labels; the job asked for top_k=${most}`;
	}
	return null;
}

/**
 * Whether a volunteer's outputs have the shape its task type promises, within the bounds the job's
 * params set (top_k labels, the model's width, max_tokens of text). A result that fails is not
 * accepted and counts as a failed attempt; a checkpoint that fails is refused. Shape is all the hub can
 * check alone: agreement between volunteers (replication) is what catches a well-shaped wrong answer.
 */
const checkers: Record<TaskType, Checker> = {
	embedding: (outputs, ctx) => {
		const width = ctx.embedding?.dimensions;
		for (const [i, out] of outputs.entries()) {
			const parsed = vector.safeParse(out);
			if (!parsed.success) return `output ${i} is not an array of at most ${MAX_DIMENSIONS} finite numbers`;
			if (width !== undefined && parsed.data.length !== width)
				return `output ${i} has ${parsed.data.length} dimensions; the model has ${width}`;
		}
		return null;
	},
	// A completion is a string or, as ExoStack's volunteers send it, { text, tokens, finish_reason }.
	text_generation: (outputs, ctx) => {
		const chars = maxCompletionChars(ctx.params);
		const tokens = GenerationParams.safeParse(ctx.params).data?.max_tokens ?? Infinity;
		for (const [i, out] of outputs.entries()) {
			const parsed = completion.safeParse(out);
			if (!parsed.success) return `output ${i} is not a completion (a string or {text, tokens, finish_reason})`;
			const text = typeof parsed.data === 'string' ? parsed.data : parsed.data.text;
			if (text.length > chars) return `output ${i} has ${text.length} characters; max_tokens allows ${chars}`;
			if (typeof parsed.data !== 'string' && parsed.data.tokens.length > tokens)
				return `output ${i} has ${parsed.data.tokens.length} tokens; the job's max_tokens is ${tokens}`;
		}
		return null;
	},
	classification,
	image_classification: classification
};

export function checkOutputs(taskType: TaskType, outputs: unknown[], ctx: OutputContext): string | null {
	if (outputs.length !== ctx.inputCount) return `expected ${ctx.inputCount} outputs, one per input, got ${outputs.length}`;
	return checkers[taskType](outputs, ctx);
}
