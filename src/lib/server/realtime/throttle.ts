/**
 * Calls `fn` at once, then at most once per `ms`: calls within the window are folded into one at its end,
 * so the last call is never lost (work queued just after a nudge still gets one).
 */
export function throttle(ms: number, fn: () => void): (() => void) & { cancel(): void } {
	let last = -Infinity;
	let timer: ReturnType<typeof setTimeout> | null = null;
	const run = () => {
		timer = null;
		last = Date.now();
		fn();
	};
	const call = () => {
		if (timer) return;
		const wait = last + ms - Date.now();
		if (wait <= 0) run();
		else timer = setTimeout(run, wait);
	};
	const cancel = () => {
		if (timer) clearTimeout(timer);
		timer = null;
	};
	return Object.assign(call, { cancel });
}
