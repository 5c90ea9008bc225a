import type { TaskType } from '../../protocol/models';
import type { GraphIo } from './onnx-graph-io';

type Json = Record<string, unknown>;

export const ENCODER_MODEL_TYPES = new Set([
	'bert',
	'roberta',
	'xlm-roberta',
	'mpnet',
	'distilbert',
	'albert',
	'electra',
	'deberta',
	'deberta-v2',
	'camembert',
	'nomic_bert',
	'modernbert',
	'new',
	'jina_bert',
	'xlm-roberta-xl',
	'ernie',
	'luke'
]);
const HEADS: [RegExp, TaskType][] = [
	[/(LMHeadModel|ForCausalLM)$/, 'text_generation'],
	[/ForSequenceClassification$/, 'classification'],
	[/ForImageClassification$/, 'image_classification']
];
// Heads whose outputs are neither embeddings nor anything ExoStack runs.
const OTHER_HEAD = /For(TokenClassification|QuestionAnswering|MultipleChoice|NextSentencePrediction|MaskedLM)$/;

/** The task type config.json implies: its architecture's head, else `embedding` for a bare encoder. */
export function inferTaskType(config: Json): TaskType {
	const modelType = typeof config.model_type === 'string' ? config.model_type : undefined;
	const architectures = Array.isArray(config.architectures) ? config.architectures.map(String) : [];
	for (const [pattern, type] of HEADS) if (architectures.some((a) => pattern.test(a))) return type;
	if (modelType && ENCODER_MODEL_TYPES.has(modelType) && !architectures.some((a) => OTHER_HEAD.test(a))) return 'embedding';
	throw new Error(
		`cannot infer the task type from config.json (model_type ${modelType ?? 'missing'}, ` +
			`architectures ${architectures.join(', ') || 'missing'}); pass taskType explicitly`
	);
}

/** Files a task type cannot run without, besides config.json and an ONNX graph. */
export function requiredFiles(type: TaskType): string[] {
	return type === 'image_classification' ? ['preprocessor_config.json'] : ['tokenizer.json'];
}

const names = (list: { name: string }[]) => list.map((t) => t.name).join(', ') || 'none';

/**
 * Refuses a folder whose graph or config cannot do the task, at import rather than on every
 * volunteer that leases it: a decoder without its KV cache, a classifier without labels.
 */
export function checkTaskFit(type: TaskType, config: Json, graph: GraphIo): void {
	const inputs = new Set(graph.inputs.map((i) => i.name));
	const outputs = new Set(graph.outputs.map((o) => o.name));
	if (type === 'text_generation') {
		if (!inputs.has('input_ids') || !outputs.has('logits'))
			throw new Error(
				`a text-generation graph needs input_ids and logits (inputs: ${names(graph.inputs)}; outputs: ${names(graph.outputs)})`
			);
		if (!graph.inputs.some((i) => /^past_key_values\.\d+\.key$/.test(i.name)))
			throw new Error('the graph has no past_key_values inputs: export it with a KV cache (optimum task text-generation-with-past)');
		const known = /^(input_ids|attention_mask|position_ids|use_cache_branch|past_key_values\.\d+\.(key|value))$/;
		const unknown = graph.inputs.filter((i) => !known.test(i.name));
		if (unknown.length > 0) throw new Error(`the graph needs inputs ExoStack cannot provide: ${names(unknown)}`);
	}
	if (type === 'classification' || type === 'image_classification') {
		const id2label = config.id2label;
		if (typeof id2label !== 'object' || id2label === null || Object.keys(id2label).length === 0)
			throw new Error('config.json has no id2label: a classifier needs its label names');
		if (!outputs.has('logits')) throw new Error(`a classifier graph needs a logits output (outputs: ${names(graph.outputs)})`);
	}
	if (type === 'image_classification' && !inputs.has('pixel_values'))
		throw new Error(`an image classifier graph needs a pixel_values input (inputs: ${names(graph.inputs)})`);
}
