/**
 * Choosing the next token from a row of logits. Pure functions in float64 over the model's float32
 * logits, so every volunteer that computed the same logits picks the same token.
 */

export interface SamplingOptions {
	/** 0 is greedy. */
	temperature: number;
	/** Nucleus: keep the smallest set of best tokens whose probability reaches top_p (1: all). */
	topP: number;
	/** Keep only the k best tokens (0: all). */
	topK: number;
}

/** Index of the largest logit; on a tie, the lowest index (as torch.argmax does). */
export function argmax(logits: ArrayLike<number>): number {
	let best = 0;
	for (let i = 1; i < logits.length; i++) if (logits[i] > logits[best]) best = i;
	return best;
}

/** Token ids and their probabilities after temperature, top-k and top-p, best first. */
export function nucleus(logits: ArrayLike<number>, opts: SamplingOptions): { ids: number[]; probs: number[] } {
	const order = Array.from({ length: logits.length }, (_, i) => i);
	order.sort((a, b) => logits[b] - logits[a] || a - b);
	const ids = opts.topK > 0 ? order.slice(0, opts.topK) : order;
	const max = logits[ids[0]];
	const weights = ids.map((id) => Math.exp((logits[id] - max) / opts.temperature));
	const total = weights.reduce((s, w) => s + w, 0);
	const probs = weights.map((w) => w / total);
	let keep = probs.length;
	if (opts.topP < 1) {
		let cumulative = 0;
		for (let i = 0; i < probs.length; i++) {
			cumulative += probs[i];
			if (cumulative >= opts.topP) {
				keep = i + 1;
				break;
			}
		}
	}
	const kept = probs.slice(0, keep);
	const keptTotal = kept.reduce((s, p) => s + p, 0);
	return { ids: ids.slice(0, keep), probs: kept.map((p) => p / keptTotal) };
}

/** The next token: argmax at temperature 0, else one draw from the nucleus with `random()` in [0, 1). */
export function chooseToken(logits: ArrayLike<number>, opts: SamplingOptions, random: () => number): number {
	if (opts.temperature === 0) return argmax(logits);
	const { ids, probs } = nucleus(logits, opts);
	let u = random();
	for (let i = 0; i < ids.length; i++) {
		u -= probs[i];
		if (u < 0) return ids[i];
	}
	return ids[ids.length - 1];
}
