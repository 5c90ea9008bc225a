/**
 * `exostack volunteer --hub <url>`: the headless volunteer, for servers that want to help. Same protocol
 * and work loop as the browser tab; reconnects by itself when the hub goes away and comes back; keeps
 * its hub-signed identity in a file so a restart comes back as the same volunteer with its credit.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { startHeadlessVolunteer } from '../headless/headless-volunteer';
import { VOLUNTEER_MODES, type VolunteerMode } from '../protocol/volunteer';
import { CliError } from './hub-client';

const HELP = `usage: exostack volunteer --hub <url> [options]

  --hub <url>            the hub to volunteer for (e.g. http://localhost:8000)
  --mode <mode>          always (default) or paused
  --concurrency <n>      tasks run at once (default 1)
  --threads <n>          onnxruntime threads per task (default: all cores / concurrency)
  --identity-file <path> where the hub-signed identity is kept (default ~/.exostack/identity)`;

export async function volunteerCommand(argv: string[]): Promise<number> {
	const { values } = usageErrors(() =>
		parseArgs({
			args: argv,
			options: {
				hub: { type: 'string' },
				mode: { type: 'string', default: 'always' },
				concurrency: { type: 'string', default: '1' },
				threads: { type: 'string' },
				'identity-file': { type: 'string', default: path.join(os.homedir(), '.exostack', 'identity') },
				help: { type: 'boolean', default: false }
			}
		})
	);
	if (values.help) {
		console.log(HELP);
		return 0;
	}
	const hubUrl = parseHub(values.hub);
	const mode = values.mode as VolunteerMode;
	if (!VOLUNTEER_MODES.includes(mode)) throw new CliError(`--mode must be one of ${VOLUNTEER_MODES.join(', ')}`, 2);
	const concurrency = positiveInt(values.concurrency, '--concurrency');
	const threads = values.threads
		? positiveInt(values.threads, '--threads')
		: Math.max(1, Math.floor(os.availableParallelism() / concurrency));
	const identityFile = values['identity-file'];

	const volunteer = startHeadlessVolunteer({
		hubUrl,
		mode,
		threads,
		identity: readIdentity(identityFile),
		onIdentity: (identity, id) => {
			saveIdentity(identityFile, identity);
			console.log(`connected to ${hubUrl} as volunteer ${id}`);
		},
		loop: { concurrency },
		listener: {
			connection: (state) => state === 'offline' && console.log('hub unreachable; reconnecting…'),
			log: (line) => console.log(line)
		}
	});
	await new Promise<void>((resolve) => {
		for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => resolve());
	});
	console.log('stopping: giving back any unfinished task');
	await volunteer.stop();
	return 0;
}

function parseHub(hub: string | undefined): string {
	if (!hub) throw new CliError(`--hub is required\n\n${HELP}`, 2);
	try {
		const url = new URL(hub);
		if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error();
		return url.origin;
	} catch {
		throw new CliError(`--hub must be an http(s) URL, got "${hub}"`, 2);
	}
}

function positiveInt(value: string, flag: string): number {
	const n = Number(value);
	if (!Number.isInteger(n) || n < 1 || n > 256) throw new CliError(`${flag} must be a whole number from 1 to 256`, 2);
	return n;
}

function readIdentity(file: string): string | null {
	try {
		return readFileSync(file, 'utf8').trim() || null;
	} catch {
		return null;
	}
}

function saveIdentity(file: string, identity: string) {
	mkdirSync(path.dirname(file), { recursive: true });
	writeFileSync(file, `${identity}\n`, { mode: 0o600 });
}

/** Bad flags are a usage error (exit 2), like the other commands'. */
function usageErrors<T>(parse: () => T): T {
	try {
		return parse();
	} catch (e) {
		throw new CliError(`${(e as Error).message}\n\n${HELP}`, 2);
	}
}
