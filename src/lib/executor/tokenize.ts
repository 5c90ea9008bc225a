import { Tokenizer } from '@huggingface/tokenizers';

/** A padded batch, row-major [batch, seqLen], ready to become int64 tensors. */
export interface TokenBatch {
	batch: number;
	seqLen: number;
	inputIds: BigInt64Array;
	attentionMask: BigInt64Array;
}

const PAD_CANDIDATES = ['[PAD]', '<pad>', '<|pad|>'];

function isRecord(value: unknown): value is Record<string, unknown> {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A special token in tokenizer_config.json is either a string or an AddedToken object with `content`. */
function tokenText(value: unknown): string | undefined {
	if (typeof value === 'string') return value;
	if (isRecord(value) && typeof value.content === 'string') return value.content;
	return undefined;
}

/**
 * Tokenizes with the model's own tokenizer.json and truncates the way
 * transformers does: the body is cut, the special tokens the template adds
 * (BERT's [CLS] … [SEP]) are kept, so the final [SEP] survives truncation.
 */
export class TextTokenizer {
	readonly padId: number;
	private readonly tokenizer: Tokenizer;
	private readonly prefix: number;
	private readonly suffix: number;

	constructor(
		tokenizerJson: unknown,
		tokenizerConfig: unknown,
		readonly maxLength: number
	) {
		if (!isRecord(tokenizerJson)) throw new Error('tokenizer.json must be a JSON object');
		const config = isRecord(tokenizerConfig) ? tokenizerConfig : {};
		this.tokenizer = new Tokenizer(tokenizerJson, config);
		this.padId = this.findPadId(tokenizerJson, config);
		[this.prefix, this.suffix] = this.templateSpecials();
		if (this.prefix + this.suffix > maxLength) {
			throw new Error(`maxLength ${maxLength} is shorter than the ${this.prefix + this.suffix} special tokens`);
		}
	}

	/** Token ids with special tokens, at most `maxLength` of them. */
	encode(text: string): number[] {
		const ids = this.tokenizer.encode(text).ids;
		if (ids.length <= this.maxLength) return ids;
		const head = ids.slice(0, this.maxLength - this.suffix);
		return this.suffix > 0 ? head.concat(ids.slice(ids.length - this.suffix)) : head;
	}

	/** How many tokens the post-processor puts before and after a single sequence, found by probing. */
	private templateSpecials(): [number, number] {
		const probe = 'hello world';
		const full = this.tokenizer.encode(probe).ids;
		const body = this.tokenizer.encode(probe, { add_special_tokens: false }).ids;
		for (let start = 0; start + body.length <= full.length; start++) {
			if (body.every((id, i) => full[start + i] === id)) return [start, full.length - start - body.length];
		}
		return [0, 0];
	}

	private findPadId(json: Record<string, unknown>, config: Record<string, unknown>): number {
		const padding = json.padding;
		if (isRecord(padding) && typeof padding.pad_id === 'number') return padding.pad_id;
		const named = tokenText(config.pad_token);
		for (const candidate of named ? [named, ...PAD_CANDIDATES] : PAD_CANDIDATES) {
			const id = this.tokenizer.token_to_id(candidate);
			if (id !== undefined) return id;
		}
		// No pad token at all: any id works because attention_mask hides padded positions.
		return 0;
	}
}

/** Right-pads sequences to the longest one; padded positions get `padId` and mask 0. */
export function padBatch(sequences: number[][], padId: number): TokenBatch {
	const batch = sequences.length;
	const seqLen = Math.max(1, ...sequences.map((s) => s.length));
	const inputIds = new BigInt64Array(batch * seqLen).fill(BigInt(padId));
	const attentionMask = new BigInt64Array(batch * seqLen);
	sequences.forEach((ids, row) => {
		ids.forEach((id, col) => {
			inputIds[row * seqLen + col] = BigInt(id);
			attentionMask[row * seqLen + col] = 1n;
		});
	});
	return { batch, seqLen, inputIds, attentionMask };
}
