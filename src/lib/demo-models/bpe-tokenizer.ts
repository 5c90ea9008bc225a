import { ENGLISH_WORDS } from './english-words';

/** GPT-2's one special token: end of text, also used as beginning of text and padding. */
export const END_OF_TEXT = '<|endoftext|>';

/**
 * GPT-2's byte → printable character table: bytes that are printable Latin-1 map to themselves,
 * the rest to code points from 256 up, so every byte sequence is a string of visible characters
 * (a space becomes `Ġ`). Byte-level BPE works on these characters.
 */
export function bytesToUnicode(): string[] {
	const printable = (b: number) => (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
	const table: string[] = [];
	let extra = 0;
	for (let b = 0; b < 256; b++) table.push(String.fromCodePoint(printable(b) ? b : 256 + extra++));
	return table;
}

/** The training corpus: each word as GPT-2's pre-tokenizer sees it, mostly after a space, sometimes capitalised. */
function corpus(): Map<string, number> {
	const counts = new Map<string, number>();
	const add = (word: string, n: number) => counts.set(word, (counts.get(word) ?? 0) + n);
	for (const w of ENGLISH_WORDS) {
		const capital = w[0].toUpperCase() + w.slice(1);
		add(`Ġ${w}`, 4);
		add(w, 1);
		add(`Ġ${capital}`, 1);
		add(capital, 1);
	}
	return counts;
}

/**
 * Learns `mergeCount` byte-level BPE merges from the corpus the way the `tokenizers` trainer does:
 * repeatedly merge the most frequent adjacent pair. Ties go to the lexicographically smallest pair,
 * so the result is the same on every machine.
 */
export function learnMerges(mergeCount: number): [string, string][] {
	const words = [...corpus()].map(([w, n]) => ({ symbols: [...w], n }));
	// Pair counts and which words hold each pair, updated per merge for the words it touches only.
	const counts = new Map<string, number>();
	const holders = new Map<string, Set<number>>();
	const count = (id: number, sign: 1 | -1) => {
		const { symbols, n } = words[id];
		for (let i = 0; i + 1 < symbols.length; i++) {
			const key = `${symbols[i]} ${symbols[i + 1]}`;
			counts.set(key, (counts.get(key) ?? 0) + sign * n);
			if (sign > 0) (holders.get(key) ?? holders.set(key, new Set()).get(key)!).add(id);
		}
	};
	words.forEach((_, id) => count(id, 1));
	const merges: [string, string][] = [];
	while (merges.length < mergeCount) {
		let best: string | null = null;
		let bestCount = 0;
		for (const [key, c] of counts) {
			if (c > bestCount || (c === bestCount && best !== null && c > 0 && key < best)) [best, bestCount] = [key, c];
		}
		if (best === null) break;
		const [a, b] = best.split(' ');
		merges.push([a, b]);
		for (const id of holders.get(best) ?? []) {
			count(id, -1);
			words[id].symbols = mergePair(words[id].symbols, a, b);
			count(id, 1);
		}
		counts.delete(best);
		holders.delete(best);
	}
	return merges;
}

function mergePair(symbols: string[], a: string, b: string): string[] {
	const out: string[] = [];
	for (let i = 0; i < symbols.length; i++) {
		if (i + 1 < symbols.length && symbols[i] === a && symbols[i + 1] === b) {
			out.push(a + b);
			i++;
		} else out.push(symbols[i]);
	}
	return out;
}

const learned = new Map<number, { vocab: string[]; merges: [string, string][] }>();

/** Token strings in id order: the 256 byte characters, one token per merge, then <|endoftext|> last (as in GPT-2). */
export function buildBpeVocab(vocabSize: number): { vocab: string[]; merges: [string, string][] } {
	// Learning takes about a second and the result never changes, so it is kept per process.
	const known = learned.get(vocabSize);
	if (known) return { vocab: [...known.vocab], merges: known.merges.map(([a, b]) => [a, b]) };
	const bytes = bytesToUnicode();
	const merges = learnMerges(vocabSize - bytes.length - 1);
	const vocab = [...bytes, ...merges.map(([a, b]) => a + b), END_OF_TEXT];
	if (vocab.length !== vocabSize) throw new Error(`the corpus yields only ${vocab.length} tokens, asked for ${vocabSize}`);
	if (new Set(vocab).size !== vocab.length) throw new Error('duplicate token in the learned vocabulary');
	learned.set(vocabSize, { vocab, merges });
	return buildBpeVocab(vocabSize);
}

/** A Hugging Face `tokenizer.json` for a GPT-2-style byte-level BPE tokenizer. */
export function buildBpeTokenizerJson(vocab: string[], merges: [string, string][]): object {
	const byteLevel = { add_prefix_space: false, trim_offsets: true, use_regex: true };
	return {
		version: '1.0',
		truncation: null,
		padding: null,
		added_tokens: [
			{
				id: vocab.indexOf(END_OF_TEXT),
				content: END_OF_TEXT,
				single_word: false,
				lstrip: false,
				rstrip: false,
				normalized: true,
				special: true
			}
		],
		normalizer: null,
		pre_tokenizer: { type: 'ByteLevel', ...byteLevel },
		post_processor: { type: 'ByteLevel', ...byteLevel, trim_offsets: false },
		decoder: { type: 'ByteLevel', ...byteLevel },
		model: {
			type: 'BPE',
			dropout: null,
			unk_token: null,
			continuing_subword_prefix: '',
			end_of_word_suffix: '',
			fuse_unk: false,
			byte_fallback: false,
			ignore_merges: false,
			vocab: Object.fromEntries(vocab.map((t, i) => [t, i])),
			merges
		}
	};
}

/** `tokenizer_config.json` as transformers writes it for GPT2TokenizerFast. */
export function buildBpeTokenizerConfig(modelMaxLength: number): object {
	return {
		add_bos_token: false,
		add_prefix_space: false,
		bos_token: END_OF_TEXT,
		clean_up_tokenization_spaces: false,
		eos_token: END_OF_TEXT,
		model_max_length: modelMaxLength,
		tokenizer_class: 'GPT2Tokenizer',
		unk_token: END_OF_TEXT
	};
}
