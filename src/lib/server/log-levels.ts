/** pino's levels, most severe first; `silent` logs nothing. Apart from log.ts so the configuration reads them without loading the logger. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
