/**
 * Turns generated token ids into text as they come, for streaming: what is handed out is never taken
 * back. A token that ends inside a multi-byte character decodes to U+FFFD until the rest arrives, and
 * text that could be the start of a stop string is held until it is clear it is not.
 */
export class TextStream {
	private ids: number[] = [];
	private sent = 0;
	private full = '';

	constructor(
		private readonly decode: (ids: number[]) => string,
		private readonly stops: readonly string[]
	) {}

	/** Adds a token; returns the new text that is safe to show, and whether a stop string was reached. */
	push(id: number): { delta: string; stopped: boolean } {
		this.ids.push(id);
		this.full = this.decode(this.ids);
		const at = this.stopIndex();
		if (at !== -1) {
			this.full = this.full.slice(0, at);
			return { delta: this.take(this.full.length), stopped: true };
		}
		let safe = this.full.length;
		while (safe > this.sent && this.full[safe - 1] === '\uFFFD') safe--;
		safe = Math.min(safe, this.full.length - this.heldForStop());
		return { delta: this.take(safe), stopped: false };
	}

	/** Everything still held back, at the end of generation. */
	flush(): string {
		return this.take(this.full.length);
	}

	get text(): string {
		return this.full;
	}

	private take(upTo: number): string {
		if (upTo <= this.sent) return '';
		const delta = this.full.slice(this.sent, upTo);
		this.sent = upTo;
		return delta;
	}

	private stopIndex(): number {
		let first = -1;
		for (const stop of this.stops) {
			const at = this.full.indexOf(stop);
			if (at !== -1 && (first === -1 || at < first)) first = at;
		}
		return first;
	}

	/** Length of the longest end of the text that is a proper prefix of some stop string. */
	private heldForStop(): number {
		let held = 0;
		for (const stop of this.stops) {
			for (let n = Math.min(stop.length - 1, this.full.length); n > held; n--) {
				if (this.full.endsWith(stop.slice(0, n))) {
					held = n;
					break;
				}
			}
		}
		return held;
	}
}
