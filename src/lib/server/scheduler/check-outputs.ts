import { z } from 'zod';
import type { EmbeddingConfig, TaskType } from '../../protocol/models';
import { ClassificationOutput, GenerationOutput, MAX_TEXT_CHARS } from '../../protocol/generation';

interface OutputContext {
	inputCount: number;
	embedding: EmbeddingConfig | null;
}

type Checker = (outputs: unknown[], ctx: OutputContext) => string | null;

const vector = z.array(z.number());

/**
 * Whether a volunteer's outputs have the shape its task type promises. A result that fails is not
 * accepted; it counts as a failed attempt. Shape is all the hub can check alone: agreement between
 * volunteers (replication) is what catches a well-shaped wrong answer.
 */
const checkers: Record<TaskType, Checker> = {
	embedding: (outputs, ctx) => {
		const width = ctx.embedding?.dimensions;
		for (const [i, out] of outputs.entries()) {
			const parsed = vector.safeParse(out);
			if (!parsed.success) return `output ${i} is not an array of finite numbers`;
			if (width !== undefined && parsed.data.length !== width)
				return `output ${i} has ${parsed.data.length} dimensions; the model has ${width}`;
		}
		return null;
	},
	// A completion is a string or, as ExoStack's volunteers send it, { text, tokens, finish_reason }.
	text_generation: each(
		z.union([z.string().max(MAX_TEXT_CHARS), GenerationOutput]),
		'a completion (a string or {text, tokens, finish_reason})'
	),
	classification: each(ClassificationOutput, 'a list of {label, score}'),
	image_classification: each(ClassificationOutput, 'a list of {label, score}')
};

function each(schema: z.ZodType, what: string): Checker {
	return (outputs) => {
		for (const [i, out] of outputs.entries()) if (!schema.safeParse(out).success) return `output ${i} is not ${what}`;
		return null;
	};
}

export function checkOutputs(taskType: TaskType, outputs: unknown[], ctx: OutputContext): string | null {
	if (outputs.length !== ctx.inputCount) return `expected ${ctx.inputCount} outputs, one per input, got ${outputs.length}`;
	return checkers[taskType](outputs, ctx);
}
