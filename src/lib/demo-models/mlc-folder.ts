import { buildBpeTokenizerJson, buildBpeVocab } from './bpe-tokenizer';
import { json, type ModelFolder } from './write-model-folder';

/** The smallest valid WebAssembly module: magic and version, no sections. */
export const EMPTY_WASM = Uint8Array.of(0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00);

/**
 * A WebLLM (MLC) model folder in the real layout, for testing gating and the loading path: its config,
 * tensor cache and shard are well formed, but the weights are zeros and the model library is an empty
 * WebAssembly module, because compiling a real MLC library needs the TVM toolchain, which is not here.
 * web-llm gets as far as instantiating the library, and stops there.
 */
export function buildMlcTestFolder(opts: { quantization: string; tensorBytes: number }): ModelFolder {
	const { vocab, merges } = buildBpeVocab(2048);
	const config = {
		model_type: 'llama',
		quantization: opts.quantization,
		context_window_size: 2048,
		vocab_size: vocab.length,
		temperature: 0.7,
		top_p: 0.95,
		tokenizer_files: ['tokenizer.json'],
		conv_template: {
			name: 'llama-3',
			system_template: '{system_message}',
			system_message: '',
			roles: { user: 'user', assistant: 'assistant' },
			seps: ['\n'],
			role_content_sep: ': ',
			role_empty_sep: ':',
			stop_str: [],
			stop_token_ids: [2047]
		}
	};
	const cache = {
		metadata: { ParamSize: 1, ParamBytes: opts.tensorBytes, BitsPerParam: 32 },
		records: [
			{
				dataPath: 'params_shard_0.bin',
				format: 'raw-shard',
				nbytes: opts.tensorBytes,
				records: [
					{
						name: 'model.embed_tokens.weight',
						shape: [opts.tensorBytes / 4],
						dtype: 'float32',
						format: 'raw',
						nbytes: opts.tensorBytes,
						byteOffset: 0
					}
				],
				md5sum: ''
			}
		]
	};
	return new Map([
		['mlc-chat-config.json', json(config)],
		['ndarray-cache.json', json(cache)],
		['params_shard_0.bin', new Uint8Array(opts.tensorBytes)],
		['tokenizer.json', json(buildBpeTokenizerJson(vocab, merges))],
		[`test-${opts.quantization}-webgpu.wasm`, EMPTY_WASM]
	]);
}
