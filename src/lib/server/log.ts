/**
 * The hub's log: JSON lines on stdout (pino), one object per event with `level`, `time`, `msg` and the ids
 * it concerns (`hub_id`, `job_id`, `task_id`, `volunteer_id`), so a log shipper (Loki, Elasticsearch,
 * `jq`) can filter by job or volunteer without parsing prose.
 *
 * Written synchronously to file descriptor 1 (`pino.destination`), without pino's worker-thread transports:
 * adapter-node bundles the server code and a transport's worker would be a file the bundle does not have,
 * and a synchronous write keeps the last lines before a crash. Pretty-printing is the reader's business
 * (`node server.js | npx pino-pretty`).
 */
import pino, { type DestinationStream, type Logger } from 'pino';
import type { LogLevel } from './log-levels';

export type { Logger } from 'pino';

/**
 * Secrets never reach the log, even when an object that carries one is logged whole (an error's request,
 * a lease): their values are replaced. Lease tokens are secrets too: one lets its bearer hand in a result.
 */
const REDACT = [
	'token',
	'apiToken',
	'leaseToken',
	'authorization',
	'password',
	'*.token',
	'*.apiToken',
	'*.leaseToken',
	'*.authorization',
	'*.password',
	'*.headers.authorization',
	'*.headers.cookie'
];

/** A logger writing JSON lines to `destination` (stdout by default). */
export function createLogger(level: LogLevel = 'info', destination: DestinationStream = pino.destination({ dest: 1, sync: true })): Logger {
	return pino(
		{
			level,
			// Level names and ISO times: readable by a person reading the raw line, and by every log shipper.
			formatters: { level: (label) => ({ level: label }) },
			timestamp: pino.stdTimeFunctions.isoTime,
			redact: { paths: REDACT, censor: '[redacted]' }
		},
		destination
	);
}

/**
 * The process's root logger. Modules without a hub at hand (the HTTP edge, socket handlers) log here; a
 * hub logs through its child carrying `hub_id`. startHub sets the level from EXOSTACK_LOG_LEVEL.
 */
export const log = createLogger();
