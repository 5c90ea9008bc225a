/**
 * Downloads one file of known size as a stream, reporting bytes as they arrive, and resumes a dropped
 * transfer with a Range request instead of starting over (the hub's /blobs answer ranges). Model files
 * run to hundreds of megabytes on volunteers' home connections: both matter.
 */

export interface DownloadOptions {
	fetcher?: typeof fetch;
	/** Extra request options (the browser worker passes `cache: 'no-store'`: it keeps its own verified copy). */
	init?: RequestInit;
	onProgress?: (received: number, total: number) => void;
	/** Tries in all, the first included. */
	attempts?: number;
	/** Wait before the second try; doubles each time. */
	retryDelayMs?: number;
}

/** A refusal the server means (4xx): trying again would get the same answer. */
export class HttpError extends Error {
	constructor(
		readonly status: number,
		url: string
	) {
		super(`HTTP ${status} for ${url}`);
	}
}

export async function download(url: string | URL, size: number, opts: DownloadOptions = {}): Promise<Uint8Array> {
	const { attempts = 4, retryDelayMs = 500 } = opts;
	// What has arrived survives a failed attempt, so the next one asks only for the rest.
	const held = { buffer: new Uint8Array(size), received: 0 };
	for (let attempt = 1; ; attempt++) {
		try {
			await fetchInto(url, held, opts);
			if (held.received === size) return held.buffer;
			throw new Error(`the transfer of ${url} ended at ${held.received} of ${size} bytes`);
		} catch (e) {
			if (e instanceof HttpError || attempt >= attempts) throw e;
			await new Promise((r) => setTimeout(r, retryDelayMs * 2 ** (attempt - 1)));
		}
	}
}

/** One request: asks for what `held` lacks (Range past what it holds) and fills it in as the body streams. */
async function fetchInto(url: string | URL, held: { buffer: Uint8Array; received: number }, opts: DownloadOptions): Promise<void> {
	const { buffer } = held;
	const headers = new Headers(opts.init?.headers);
	if (held.received > 0) headers.set('range', `bytes=${held.received}-`);
	const response = await (opts.fetcher ?? fetch)(url, { ...opts.init, headers });
	if (response.status >= 400 && response.status < 500) throw new HttpError(response.status, String(url));
	if (!response.ok) throw new Error(`HTTP ${response.status} for ${url}`);
	// A server that ignores Range sends the whole file again: start over rather than splice wrong bytes.
	if (response.status !== 206) held.received = 0;
	if (!response.body) return;
	const reader = response.body.getReader();
	for (;;) {
		const { done, value } = await reader.read();
		if (done) return;
		if (held.received + value.byteLength > buffer.byteLength) {
			await reader.cancel();
			throw new HttpError(response.status, `${url} (larger than the ${buffer.byteLength} bytes expected)`);
		}
		buffer.set(value, held.received);
		held.received += value.byteLength;
		opts.onProgress?.(held.received, buffer.byteLength);
	}
}
