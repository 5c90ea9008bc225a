import type { JobText } from '../protocol/events';

/**
 * Live generated text for listeners inside the hub process (an OpenAI-compatible stream), as pages get
 * it on the /dashboard namespace. Only text streamed by volunteers connected to this process is heard:
 * text is relayed, never stored, and the accepted result stays the record.
 */
export interface LiveText {
	/** Calls `listener` with the job's text so far (each input from offset 0), then with each piece accepted; returns the unsubscribe. */
	watch(jobId: string, listener: (text: JobText) => void): () => void;
}

/** Hears nothing: a hub before Socket.IO is attached (or one without it, in tests). */
export const noLiveText: LiveText = { watch: () => () => {} };
