import type { ClassificationOutput } from '../protocol/generation';
import { asFloat32 } from './half';
import type { OrtRuntime, OrtSession, OrtTensor } from './ort-runtime';
import { padBatch, TextTokenizer } from './tokenize';

/** What config.json says about a classification head. */
export interface LabelConfig {
	labels: string[];
	/** `multi_label_classification`: independent sigmoids instead of one softmax. */
	multiLabel: boolean;
}

type Json = Record<string, unknown>;

/** id2label from config.json, as a dense list (ids 0…n-1); `LABEL_i` where an id has no name. */
export function labelConfig(raw: unknown): LabelConfig {
	const config = (typeof raw === 'object' && raw !== null ? raw : {}) as Json;
	const id2label = (typeof config.id2label === 'object' && config.id2label !== null ? config.id2label : {}) as Json;
	const ids = Object.keys(id2label).map(Number);
	if (ids.length === 0 || ids.some((i) => !Number.isInteger(i) || i < 0))
		throw new Error('config.json has no id2label for a classification head');
	const count = Math.max(...ids) + 1;
	const labels = Array.from({ length: count }, (_, i) => (typeof id2label[i] === 'string' ? (id2label[i] as string) : `LABEL_${i}`));
	return { labels, multiLabel: config.problem_type === 'multi_label_classification' };
}

/** Logits → labels with scores, best first (ties keep label order); topK 0 keeps all. */
export function scoreLabels(logits: ArrayLike<number>, cfg: LabelConfig, topK: number): ClassificationOutput {
	const values = Array.from(logits);
	let scores: number[];
	if (cfg.multiLabel) scores = values.map((v) => 1 / (1 + Math.exp(-v)));
	else {
		const max = Math.max(...values);
		const exps = values.map((v) => Math.exp(v - max));
		const total = exps.reduce((a, b) => a + b, 0);
		scores = exps.map((e) => e / total);
	}
	const ranked = scores
		.map((score, i) => ({ label: cfg.labels[i] ?? `LABEL_${i}`, score, i }))
		.sort((a, b) => b.score - a.score || a.i - b.i);
	return ranked.slice(0, topK > 0 ? topK : ranked.length).map(({ label, score }) => ({ label, score }));
}

/** Splits a [batch, labels] logits tensor into rows, checking it matches the label count. */
export function logitRows(out: OrtTensor | undefined, batch: number, cfg: LabelConfig): Float32Array[] {
	if (!out) throw new Error('model returned no logits output');
	const width = out.dims[out.dims.length - 1];
	if (out.dims.length !== 2 || out.dims[0] !== batch)
		throw new Error(`logits have shape [${out.dims}], expected [${batch}, ${cfg.labels.length}]`);
	if (width !== cfg.labels.length) throw new Error(`the model has ${width} logits but config.json names ${cfg.labels.length} labels`);
	const data = asFloat32(out.type, out.data);
	return Array.from({ length: batch }, (_, b) => data.slice(b * width, (b + 1) * width));
}

export interface TextClassifierFiles {
	model: Uint8Array;
	tokenizer: unknown;
	tokenizerConfig: unknown;
	config: unknown;
	maxLength: number;
}

/** Text → labels with a sequence-classification model (BERT-style inputs, a `logits` output). */
export class TextClassifier {
	private constructor(
		private readonly ort: OrtRuntime,
		private readonly session: OrtSession,
		private readonly tokenizer: TextTokenizer,
		readonly labels: LabelConfig
	) {}

	static async create(ort: OrtRuntime, files: TextClassifierFiles, sessionOptions?: object): Promise<TextClassifier> {
		const labels = labelConfig(files.config);
		const tokenizer = new TextTokenizer(files.tokenizer, files.tokenizerConfig, files.maxLength);
		const session = await ort.InferenceSession.create(files.model, sessionOptions);
		if (!session.outputNames.includes('logits')) {
			await session.release();
			throw new Error(`model has no logits output (outputs: ${session.outputNames.join(', ')})`);
		}
		return new TextClassifier(ort, session, tokenizer, labels);
	}

	async classify(texts: string[], topK: number): Promise<ClassificationOutput[]> {
		if (texts.length === 0) return [];
		const batch = padBatch(
			texts.map((t) => this.tokenizer.encode(t)),
			this.tokenizer.padId
		);
		const shape = [batch.batch, batch.seqLen];
		const data: Record<string, () => BigInt64Array> = {
			input_ids: () => batch.inputIds,
			attention_mask: () => batch.attentionMask,
			token_type_ids: () => new BigInt64Array(batch.inputIds.length)
		};
		const unknown = this.session.inputNames.filter((n) => !data[n]);
		if (unknown.length > 0) throw new Error(`model needs inputs the executor cannot provide: ${unknown.join(', ')}`);
		const feeds = Object.fromEntries(this.session.inputNames.map((n) => [n, new this.ort.Tensor('int64', data[n](), shape)]));
		const out = await this.session.run(feeds, ['logits']);
		try {
			return logitRows(out.logits, batch.batch, this.labels).map((row) => scoreLabels(row, this.labels, topK));
		} finally {
			for (const t of [...Object.values(feeds), ...Object.values(out)]) t.dispose?.();
		}
	}

	release(): Promise<void> {
		return this.session.release();
	}
}

/** Image → labels with an image-classification model (`pixel_values` [batch, 3, H, W] → `logits`). */
export class ImageClassifier {
	private constructor(
		private readonly ort: OrtRuntime,
		private readonly session: OrtSession,
		readonly labels: LabelConfig
	) {}

	static async create(ort: OrtRuntime, model: Uint8Array, config: unknown, sessionOptions?: object): Promise<ImageClassifier> {
		const labels = labelConfig(config);
		const session = await ort.InferenceSession.create(model, sessionOptions);
		if (!session.inputNames.includes('pixel_values') || !session.outputNames.includes('logits')) {
			await session.release();
			throw new Error(
				`model must take pixel_values and give logits (inputs: ${session.inputNames.join(', ')}; outputs: ${session.outputNames.join(', ')})`
			);
		}
		return new ImageClassifier(ort, session, labels);
	}

	/** `pixels`: one preprocessed [3, height, width] array per image. */
	async classify(pixels: Float32Array[], height: number, width: number, topK: number): Promise<ClassificationOutput[]> {
		if (pixels.length === 0) return [];
		const all = new Float32Array(pixels.length * 3 * height * width);
		pixels.forEach((p, i) => all.set(p, i * p.length));
		const input = new this.ort.Tensor('float32', all, [pixels.length, 3, height, width]);
		const out = await this.session.run({ pixel_values: input }, ['logits']);
		try {
			return logitRows(out.logits, pixels.length, this.labels).map((row) => scoreLabels(row, this.labels, topK));
		} finally {
			for (const t of [input, ...Object.values(out)]) t.dispose?.();
		}
	}

	release(): Promise<void> {
		return this.session.release();
	}
}
