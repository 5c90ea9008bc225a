import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from './log';
import type { LogLevel } from './log-levels';

/** A logger writing into an array of parsed lines, as a log shipper would read stdout. */
function capture(level: LogLevel) {
	const lines: Record<string, unknown>[] = [];
	const sink = new Writable({
		write(chunk, _encoding, done) {
			for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line));
			done();
		}
	});
	return { log: createLogger(level, sink), lines };
}

describe('the hub log', () => {
	it('writes one JSON object per line with a level name, an ISO time, the message and the ids given', () => {
		const { log, lines } = capture('info');
		log.child({ hub_id: 'h1' }).info({ job_id: 'j1', task_id: 7 }, 'job submitted');
		expect(lines).toHaveLength(1);
		expect(lines[0]).toMatchObject({ level: 'info', msg: 'job submitted', hub_id: 'h1', job_id: 'j1', task_id: 7 });
		expect(new Date(lines[0].time as string).toISOString()).toBe(lines[0].time);
	});

	it('leaves out lines below its level', () => {
		const { log, lines } = capture('warn');
		log.debug('a lease');
		log.info('a job');
		log.warn('a rejected result');
		log.error('a failed sweep');
		expect(lines.map((l) => l.level)).toEqual(['warn', 'error']);
		log.level = 'debug';
		log.debug('now shown');
		expect(lines.at(-1)).toMatchObject({ level: 'debug', msg: 'now shown' });
	});

	it('logs an error with its type, message and stack', () => {
		const { log, lines } = capture('info');
		log.error({ err: new TypeError('the database went away') }, 'sweep failed');
		expect(lines[0]).toMatchObject({ level: 'error', msg: 'sweep failed', err: { type: 'TypeError', message: 'the database went away' } });
		expect((lines[0].err as { stack: string }).stack).toMatch(/TypeError: the database went away\n\s+at /);
	});

	it('never writes a token, a lease token or an authorization header', () => {
		const { log, lines } = capture('info');
		const secret = 'exo_secret_0123456789abcdef';
		log.info({ token: secret, lease: { leaseToken: secret, taskId: 3 }, req: { headers: { authorization: `Bearer ${secret}` } } }, 'x');
		log.info({ apiToken: secret, key: { token: secret } }, 'y');
		const written = JSON.stringify(lines);
		expect(written).not.toContain(secret);
		expect(lines[0]).toMatchObject({ token: '[redacted]', lease: { leaseToken: '[redacted]', taskId: 3 } });
		expect(lines[1]).toMatchObject({ apiToken: '[redacted]', key: { token: '[redacted]' } });
	});
});
