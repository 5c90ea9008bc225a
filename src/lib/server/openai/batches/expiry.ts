/** OpenAI's `completion_window` (the only one, `24h`): a batch not finished by then stops, and is `expired` with what it had done. */
export const COMPLETION_WINDOW_MS = 24 * 60 * 60 * 1000;

/** The `error` of a batch the worker stopped at its window's end; finalisation then names it `expired`, not `cancelled`. */
export const EXPIRED = 'the batch did not finish within its 24 h completion window';
