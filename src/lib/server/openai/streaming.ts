import { invalidParam } from './errors';

/** Until /v1 streams: a request for server-sent events is refused rather than answered all at once. */
export function refuseStreaming(stream: boolean | null | undefined) {
	if (stream) throw invalidParam('stream', 'stream: true is not supported yet; leave it out for the whole completion at once');
}
