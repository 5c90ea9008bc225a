import { EmbeddingConfig } from '../protocol/models';
import type { OrtRuntime, OrtSession, OrtTensor } from './ort-runtime';
import { clsPool, l2Normalize, meanPool, rows } from './pooling';
import { padBatch, TextTokenizer, type TokenBatch } from './tokenize';

export interface EmbeddingModelFiles {
	model: Uint8Array;
	/** Parsed tokenizer.json. */
	tokenizer: unknown;
	/** Parsed tokenizer_config.json; `{}` if the model has none. */
	tokenizerConfig: unknown;
}

export interface EmbedOptions {
	batchSize?: number;
	/** Checked before each batch; an aborted signal rejects with a DOMException named AbortError. */
	signal?: AbortSignal;
}

export const DEFAULT_BATCH_SIZE = 16;
const SUPPORTED_INPUTS = new Set(['input_ids', 'attention_mask', 'token_type_ids']);

function checkSession(session: OrtSession, config: EmbeddingConfig): void {
	if (!session.inputNames.includes('input_ids')) {
		throw new Error(`model has no input_ids input (inputs: ${session.inputNames.join(', ')})`);
	}
	const unknown = session.inputNames.filter((name) => !SUPPORTED_INPUTS.has(name));
	if (unknown.length > 0) throw new Error(`model needs inputs the executor cannot provide: ${unknown.join(', ')}`);
	if (!session.outputNames.includes(config.output)) {
		throw new Error(`model has no output "${config.output}" (outputs: ${session.outputNames.join(', ')})`);
	}
}

/**
 * Text → vectors with an ONNX text-embedding model. The same code runs in a
 * browser worker (onnxruntime-web) and in Node (onnxruntime-node): the caller
 * passes in the runtime module.
 */
export class EmbeddingExecutor {
	private released = false;

	private constructor(
		private readonly ort: OrtRuntime,
		private readonly session: OrtSession,
		private readonly tokenizer: TextTokenizer,
		readonly config: EmbeddingConfig
	) {}

	static async create(
		ort: OrtRuntime,
		files: EmbeddingModelFiles,
		config: EmbeddingConfig,
		sessionOptions?: object
	): Promise<EmbeddingExecutor> {
		const parsed = EmbeddingConfig.parse(config);
		// The tokenizer first: it is cheap and fails fast on a bad file before the session's large allocation.
		const tokenizer = new TextTokenizer(files.tokenizer, files.tokenizerConfig, parsed.maxLength);
		const session = await ort.InferenceSession.create(files.model, sessionOptions);
		try {
			checkSession(session, parsed);
		} catch (err) {
			await session.release();
			throw err;
		}
		return new EmbeddingExecutor(ort, session, tokenizer, parsed);
	}

	/** One vector per text, in input order. Batch size never changes the vectors, only speed and memory. */
	async embed(texts: string[], opts: EmbedOptions = {}): Promise<number[][]> {
		if (this.released) throw new Error('executor was released');
		const batchSize = opts.batchSize ?? DEFAULT_BATCH_SIZE;
		if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`batchSize must be a positive integer, got ${batchSize}`);
		opts.signal?.throwIfAborted();
		const encoded = texts.map((text) => this.tokenizer.encode(text));
		// Batching similar lengths together keeps padding, and so wasted compute, small.
		const order = encoded.map((_, i) => i).sort((a, b) => encoded[a].length - encoded[b].length || a - b);
		const out = new Array<number[]>(texts.length);
		for (let start = 0; start < order.length; start += batchSize) {
			opts.signal?.throwIfAborted();
			const members = order.slice(start, start + batchSize);
			const vectors = await this.runBatch(
				padBatch(
					members.map((i) => encoded[i]),
					this.tokenizer.padId
				)
			);
			members.forEach((index, k) => (out[index] = vectors[k]));
		}
		opts.signal?.throwIfAborted();
		return out;
	}

	async release(): Promise<void> {
		if (this.released) return;
		this.released = true;
		await this.session.release();
	}

	private feeds(batch: TokenBatch): Record<string, OrtTensor> {
		const shape = [batch.batch, batch.seqLen];
		const data: Record<string, () => BigInt64Array> = {
			input_ids: () => batch.inputIds,
			attention_mask: () => batch.attentionMask,
			// Single-sentence inputs are all segment 0.
			token_type_ids: () => new BigInt64Array(batch.inputIds.length)
		};
		return Object.fromEntries(this.session.inputNames.map((name) => [name, new this.ort.Tensor('int64', data[name](), shape)]));
	}

	private async runBatch(batch: TokenBatch): Promise<number[][]> {
		const feeds = this.feeds(batch);
		let results: Readonly<Record<string, OrtTensor>>;
		try {
			results = await this.session.run(feeds, [this.config.output]);
		} finally {
			for (const tensor of Object.values(feeds)) tensor.dispose?.();
		}
		try {
			const pooled = this.pool(results[this.config.output], batch);
			return this.config.normalize ? pooled.map(l2Normalize) : pooled;
		} finally {
			for (const tensor of Object.values(results)) tensor.dispose?.();
		}
	}

	private pool(output: OrtTensor | undefined, batch: TokenBatch): number[][] {
		const { pooling, dimensions, output: name } = this.config;
		if (!output) throw new Error(`model returned no "${name}" output`);
		// The type tag, not instanceof: typed arrays from another realm (worker, vm) fail instanceof.
		if (output.type !== 'float32') throw new Error(`output "${name}" is ${output.type}, expected float32`);
		const expected = pooling === 'none' ? [batch.batch, dimensions] : [batch.batch, batch.seqLen, dimensions];
		if (output.dims.length !== expected.length || output.dims.some((d, i) => d !== expected[i])) {
			throw new Error(`output "${name}" has shape [${output.dims}], expected [${expected}] for pooling ${pooling}`);
		}
		const data = output.data as Float32Array;
		if (pooling === 'none') return rows(data, [batch.batch, dimensions]);
		const dims3 = [batch.batch, batch.seqLen, dimensions] as const;
		return pooling === 'mean' ? meanPool(data, dims3, batch.attentionMask) : clsPool(data, dims3);
	}
}
