import type { JobText } from '../protocol/events';

/**
 * Live generated text for listeners inside the hub process (an OpenAI-compatible stream), as pages get
 * it on the /dashboard namespace: streamed by volunteers connected to this process, or to another one
 * (relayed through the Socket.IO adapter). Text is relayed, never stored; the accepted result stays the record.
 */
export interface LiveText {
	/** Calls `listener` with the job's text so far (each input from offset 0), then with each piece accepted; returns the unsubscribe. */
	watch(jobId: string, listener: (text: JobText) => void): () => void;
}

/** Hears nothing: a hub before Socket.IO is attached (or one without it, in tests). */
export const noLiveText: LiveText = { watch: () => () => {} };
