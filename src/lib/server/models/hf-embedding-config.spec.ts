import { describe, expect, it } from 'vitest';
import { deriveEmbeddingConfig } from './hf-embedding-config';
import type { GraphIo, GraphTensorInfo } from './onnx-graph-io';

const FLOAT = 1;
const out = (name: string, dims: GraphTensorInfo['dims']): GraphTensorInfo => ({ name, elemType: FLOAT, dims });
const graph = (...outputs: GraphTensorInfo[]): GraphIo => ({ inputs: [], outputs, usesExternalData: false });
const TOKENS = graph(out('last_hidden_state', ['batch_size', 'sequence_length', 768]));

describe('deriveEmbeddingConfig', () => {
	it('prefers a pooled sentence_embedding output over token states', () => {
		const g = graph(out('token_embeddings', ['b', 's', 384]), out('sentence_embedding', ['b', 384]));
		expect(deriveEmbeddingConfig({ config: { max_position_embeddings: 512 }, graph: g })).toEqual({
			pooling: 'none',
			normalize: true,
			maxLength: 512,
			dimensions: 384,
			output: 'sentence_embedding'
		});
	});

	it('mean-pools token states by default and takes the width from config.json when the graph leaves it symbolic', () => {
		const g = graph(out('logits', ['b', 's', 30522]), out('hidden', ['b', 's', 'h']));
		const config = deriveEmbeddingConfig({ config: { hidden_size: 312 }, graph: g });
		expect(config).toMatchObject({ pooling: 'mean', output: 'hidden', dimensions: 312, maxLength: 512 });
	});

	it('takes the smallest stated length, discounting RoBERTa position offsets and the unset sentinel', () => {
		const roberta = { model_type: 'roberta', max_position_embeddings: 514 };
		expect(deriveEmbeddingConfig({ config: roberta, graph: TOKENS }).maxLength).toBe(512);
		const sentinel = { model_max_length: 1e30 };
		expect(deriveEmbeddingConfig({ config: roberta, tokenizerConfig: sentinel, graph: TOKENS }).maxLength).toBe(512);
		const tokenizerConfig = { model_max_length: 256 };
		const sentenceBertConfig = { max_seq_length: 384 };
		expect(deriveEmbeddingConfig({ config: roberta, tokenizerConfig, sentenceBertConfig, graph: TOKENS }).maxLength).toBe(256);
	});

	it('refuses graphs without a usable output and pooling modes it cannot run', () => {
		expect(() => deriveEmbeddingConfig({ config: {}, graph: graph(out('logits', ['b', 's', 2])) })).toThrow(
			/no output usable as an embedding \(outputs: logits\[b,s,2\]\)/
		);
		const both = { pooling_mode_mean_tokens: true, pooling_mode_cls_token: true };
		expect(() => deriveEmbeddingConfig({ config: {}, poolingConfig: both, graph: TOKENS })).toThrow(
			/only mean_tokens or cls_token is supported/
		);
	});
});
