import { Tokenizer } from '@huggingface/tokenizers';
import type { GenerationOutput, GenerationParams } from '../protocol/generation';
import { asFloat32 } from './half';
import type { OrtRuntime, OrtSession, OrtTensor } from './ort-runtime';
import { chooseToken } from './sampling';
import { mulberry32 } from './seeded-random';
import { TextStream } from './text-stream';
import { decoderShape, type DecoderShape } from './decoder-shape';

export interface GenerationModelFiles {
	model: Uint8Array;
	tokenizer: unknown;
	tokenizerConfig: unknown;
	/** Parsed config.json: the cache's shape and the token limits come from it. */
	config: unknown;
	/** Parsed generation_config.json; `{}` when the model has none. */
	generationConfig: unknown;
}

export interface GenerateOptions {
	signal?: AbortSignal;
	/** Called with each new piece of completion text as soon as it is final. */
	onText?: (delta: string) => void;
}

type Feeds = Record<string, OrtTensor>;

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Prompt → completion with a decoder-only causal LM in the Hugging Face ONNX layout (GPT-2's
 * `input_ids`, `attention_mask`, `position_ids`, `past_key_values.*` → `logits`, `present.*`). The
 * prompt runs once; then each step feeds only the new token and the cache. One prompt at a time, so
 * a result never depends on which other prompts shared its task.
 */
export class TextGenerationExecutor {
	private released = false;

	private constructor(
		private readonly ort: OrtRuntime,
		private readonly session: OrtSession,
		private readonly tokenizer: Tokenizer,
		readonly shape: DecoderShape
	) {}

	static async create(ort: OrtRuntime, files: GenerationModelFiles, sessionOptions?: object): Promise<TextGenerationExecutor> {
		if (!isRecord(files.tokenizer)) throw new Error('tokenizer.json must be a JSON object');
		const tokenizer = new Tokenizer(files.tokenizer, isRecord(files.tokenizerConfig) ? files.tokenizerConfig : {});
		const session = await ort.InferenceSession.create(files.model, sessionOptions);
		try {
			return new TextGenerationExecutor(ort, session, tokenizer, decoderShape(session, files.config, files.generationConfig));
		} catch (err) {
			await session.release();
			throw err;
		}
	}

	async generate(prompt: string, params: GenerationParams, opts: GenerateOptions = {}): Promise<GenerationOutput> {
		if (this.released) throw new Error('executor was released');
		opts.signal?.throwIfAborted();
		const maxNew = Math.min(params.max_tokens, this.shape.maxPositions - 1);
		// Keep the end of a prompt too long for the context, leaving room for the completion.
		let ids = this.tokenizer.encode(prompt).ids.slice(-(this.shape.maxPositions - maxNew));
		if (ids.length === 0) ids = [this.shape.bosId ?? this.shape.eosIds[0] ?? 0];
		const random = mulberry32(params.seed ?? 0);
		const sampling = { temperature: params.temperature, topP: params.top_p, topK: params.top_k };
		const stream = new TextStream((t) => this.tokenizer.decode(t, { skip_special_tokens: true }), params.stop);
		const generated: number[] = [];
		let past = this.emptyPast();
		let finish: GenerationOutput['finish_reason'] = 'length';
		try {
			let step = ids;
			let position = 0;
			while (generated.length < maxNew) {
				const { logits, present } = await this.step(step, position, past);
				this.dispose(past);
				past = present;
				position += step.length;
				const next = chooseToken(logits, sampling, random);
				opts.signal?.throwIfAborted();
				if (this.shape.eosIds.includes(next)) {
					finish = 'eos';
					break;
				}
				generated.push(next);
				const { delta, stopped } = stream.push(next);
				if (delta) opts.onText?.(delta);
				if (stopped) {
					finish = 'stop';
					break;
				}
				step = [next];
			}
		} finally {
			this.dispose(past);
		}
		const rest = stream.flush();
		if (rest) opts.onText?.(rest);
		return { text: stream.text, tokens: generated, finish_reason: finish };
	}

	async release(): Promise<void> {
		if (this.released) return;
		this.released = true;
		await this.session.release();
	}

	/** One forward pass over `ids` at `position`; returns the last position's logits and the grown cache. */
	private async step(ids: number[], position: number, past: Feeds) {
		const n = ids.length;
		const total = position + n;
		const int64 = (values: number[], len: number) => new this.ort.Tensor('int64', BigInt64Array.from(values, BigInt), [1, len]);
		const feeds: Feeds = { input_ids: int64(ids, n), ...past };
		const inputs = new Set(this.session.inputNames);
		if (inputs.has('attention_mask')) feeds.attention_mask = int64(new Array(total).fill(1), total);
		if (inputs.has('position_ids'))
			feeds.position_ids = int64(
				ids.map((_, i) => position + i),
				n
			);
		if (inputs.has('use_cache_branch')) feeds.use_cache_branch = new this.ort.Tensor('bool', Uint8Array.of(position > 0 ? 1 : 0), [1]);
		let out: Readonly<Record<string, OrtTensor>>;
		try {
			out = await this.session.run(feeds, ['logits', ...this.shape.layers.map((l) => [l.presentKey, l.presentValue]).flat()]);
		} finally {
			for (const name of ['input_ids', 'attention_mask', 'position_ids', 'use_cache_branch']) feeds[name]?.dispose?.();
		}
		const logitsTensor = out.logits;
		const vocab = logitsTensor.dims[logitsTensor.dims.length - 1];
		const all = asFloat32(logitsTensor.type, logitsTensor.data);
		const logits = all.slice(all.length - vocab);
		logitsTensor.dispose?.();
		const present: Feeds = {};
		for (const l of this.shape.layers) {
			present[l.pastKey] = out[l.presentKey];
			present[l.pastValue] = out[l.presentValue];
		}
		return { logits, present };
	}

	/** A cache of length 0, in the type the graph declares for it. */
	private emptyPast(): Feeds {
		const { numHeads, headDim, cacheType } = this.shape;
		const dims = [1, numHeads, 0, headDim];
		const empty = () =>
			cacheType === 'float16'
				? new this.ort.Tensor('float16', new Uint16Array(0), dims)
				: new this.ort.Tensor('float32', new Float32Array(0), dims);
		return Object.fromEntries(
			this.shape.layers.flatMap((l) => [
				[l.pastKey, empty()],
				[l.pastValue, empty()]
			])
		);
	}

	private dispose(feeds: Feeds) {
		for (const t of Object.values(feeds)) t.dispose?.();
	}
}
