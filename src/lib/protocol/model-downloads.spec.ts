import { describe, expect, it } from 'vitest';
import { downloadBytes, modelRefusal } from './model-downloads';

const sha = (c: string) => c.repeat(64);
const file = (path: string, c: string, size: number) => ({ path, sha256: sha(c), size });
/** fp32, fp16 and q8 graphs, a tokenizer every variant reads, and a file no executor reads. */
const model = {
	id: 'm',
	taskTypes: ['embedding' as const],
	files: [
		file('onnx/model.onnx', 'a', 1000),
		file('README.md', 'b', 900),
		file('onnx/model_fp16.onnx', 'c', 500),
		file('onnx/model_quantized.onnx', 'd', 250),
		file('tokenizer.json', 'e', 10),
		file('config.json', 'f', 5)
	]
};

describe('model downloads', () => {
	it('counts the largest variant with the files its task types read beside it, less what is cached', () => {
		expect(downloadBytes(model, new Set())).toBe(1010);
		expect(downloadBytes(model, new Set([sha('a')]))).toBe(510);
		expect(downloadBytes(model, new Set([sha('a'), sha('c'), sha('e')]))).toBe(250);
		// Read for text generation, not for embeddings.
		expect(downloadBytes({ ...model, taskTypes: ['text_generation'] }, new Set())).toBe(1015);
		// No variants (a WebLLM build): every file.
		const webLlm = {
			taskTypes: ['text_generation' as const],
			files: [file('params_shard_0.bin', 'f', 7), file('mlc-chat-config.json', 'g', 3)]
		};
		expect(downloadBytes(webLlm, new Set())).toBe(10);
	});

	it('refuses models not served and downloads over the limit, and says why', () => {
		expect(modelRefusal(model, undefined)).toBeNull();
		expect(modelRefusal(model, { only: ['m'] })).toBeNull();
		expect(modelRefusal(model, { only: ['other'] })).toMatch(/not among the models this machine serves/);
		expect(modelRefusal(model, { maxDownloadBytes: 1010 })).toBeNull();
		expect(modelRefusal(model, { maxDownloadBytes: 1009 })).toMatch(/over this machine's/);
		expect(modelRefusal(model, { maxDownloadBytes: 0 })).toMatch(/downloads are paused/);
		expect(modelRefusal(model, { maxDownloadBytes: 0, cached: ['a', 'c', 'd', 'e'].map(sha) })).toBeNull();
	});
});
