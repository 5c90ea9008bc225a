import { makeBertWeights, MODEL_SIZES } from './bert-weights';
import { buildImageClassifierGraph, buildTextClassifierGraph, IMAGE_SIZE } from './classifier-graphs';
import { buildTokenizerConfig, buildTokenizerJson, buildVocab, SPECIAL_TOKENS_MAP } from './wordpiece-tokenizer';
import { DEFAULT_SEED, json, type ModelFolder } from './write-model-folder';

export const TEXT_LABELS = ['world', 'sports', 'business', 'science'];
export const IMAGE_LABELS = ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'];

const labelMaps = (labels: string[]) => ({
	id2label: Object.fromEntries(labels.map((l, i) => [String(i), l])),
	label2id: Object.fromEntries(labels.map((l, i) => [l, i]))
});

/** A BERT sequence classifier (the demo encoder plus pooler and head) with its WordPiece tokenizer. */
export function buildTextClassifierFolder(seed = DEFAULT_SEED): ModelFolder {
	const dims = MODEL_SIZES.demo;
	const config = {
		_name_or_path: `exostack/demo-bert-classifier-seed${seed}`,
		architectures: ['BertForSequenceClassification'],
		hidden_size: dims.hiddenSize,
		intermediate_size: dims.intermediateSize,
		layer_norm_eps: dims.layerNormEps,
		max_position_embeddings: dims.maxPosition,
		model_type: 'bert',
		num_attention_heads: dims.numHeads,
		num_hidden_layers: dims.numLayers,
		pad_token_id: 0,
		problem_type: 'single_label_classification',
		type_vocab_size: dims.typeVocabSize,
		vocab_size: dims.vocabSize,
		...labelMaps(TEXT_LABELS)
	};
	return new Map([
		['config.json', json(config)],
		['tokenizer.json', json(buildTokenizerJson(buildVocab(dims.vocabSize)))],
		['tokenizer_config.json', json(buildTokenizerConfig(dims.maxPosition))],
		['special_tokens_map.json', json(SPECIAL_TOKENS_MAP)],
		['onnx/model.onnx', buildTextClassifierGraph(dims, makeBertWeights(dims, seed), TEXT_LABELS.length, seed)]
	]);
}

/** A small CNN image classifier with a ViT-style preprocessor config (resize to 32×32, scale to [-1, 1]). */
export function buildImageClassifierFolder(seed = DEFAULT_SEED): ModelFolder {
	const config = {
		_name_or_path: `exostack/demo-cnn-classifier-seed${seed}`,
		architectures: ['ExoStackCnnForImageClassification'],
		model_type: 'exostack-cnn',
		num_channels: 3,
		image_size: IMAGE_SIZE,
		...labelMaps(IMAGE_LABELS)
	};
	const preprocessor = {
		do_normalize: true,
		do_rescale: true,
		do_resize: true,
		image_mean: [0.5, 0.5, 0.5],
		image_processor_type: 'ViTImageProcessor',
		image_std: [0.5, 0.5, 0.5],
		resample: 2,
		rescale_factor: 1 / 255,
		size: { height: IMAGE_SIZE, width: IMAGE_SIZE }
	};
	return new Map([
		['config.json', json(config)],
		['preprocessor_config.json', json(preprocessor)],
		['onnx/model.onnx', buildImageClassifierGraph(IMAGE_LABELS.length, seed)]
	]);
}
