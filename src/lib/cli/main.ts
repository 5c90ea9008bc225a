/**
 * `exostack`: submit work to a hub and read it back from the command line.
 *
 *   exostack infer --model <id> --prompt "Hello world"      prints the completion as it streams
 *   exostack submit --type <t> --model <id> --input … | --file <lines.txt> | --image <png/jpg> [--wait]
 *   exostack status <job-id>
 *   exostack results <job-id> [--format jsonl|csv]
 *   exostack import <folder> [--id <id>] | --hf <owner/name> [--revision main]
 *   exostack keys create <name> [--jobs-per-day n] [--inputs-per-day n] | keys list | keys revoke <key-id>
 *                                                           submitters' API keys (admin token); create prints the key once
 *   exostack volunteer --hub <url> [--concurrency n] [--threads n] [--mode always|paused] [--identity-file path]
 *                                                           lend this machine: compute tasks with onnxruntime-node
 *   exostack config [--json]                                every hub setting here, its value and its source
 *                                                           (environment, exostack.config.json/.yaml, default)
 *   exostack backup [<file>]                                the running hub's database and model store (admin token)
 *   exostack backup [<file>] --data-dir <folder>            the same from a data folder no hub runs on
 *   exostack restore <archive> --data-dir <new folder>      checks every file, then restores into an empty folder
 *
 * Common options: --hub <url> (EXOSTACK_HUB_URL, default http://localhost:8000), --token <token>
 * (EXOSTACK_API_TOKEN, else data/api-token of a hub started in this folder).
 */
import { readFileSync } from 'node:fs';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { CliError, hubClient } from './hub-client';
import { importModel, infer, results, status, submit, type Io } from './commands';
import { volunteerCommand } from './volunteer-command';
import { keys } from './keys-command';
import { configCommand } from './config-command';
import { backupCommand, restoreCommand } from './backup-command';

const COMMON = { hub: { type: 'string' }, token: { type: 'string' }, help: { type: 'boolean', short: 'h' } } as const;
const GENERATION = {
	'max-tokens': { type: 'string' },
	temperature: { type: 'string' },
	'top-p': { type: 'string' },
	'top-k': { type: 'string' },
	seed: { type: 'string' },
	stop: { type: 'string', multiple: true },
	variant: { type: 'string' },
	timeout: { type: 'string', default: '600' }
} as const;

const USAGE = readFileSync(new URL(import.meta.url), 'utf8')
	.split('*/')[0]
	.replace(/^\/\*\*\n/, '')
	.replace(/^ \* ?/gm, '');

function parse<O extends ParseArgsConfig['options']>(args: string[], options: O) {
	try {
		return parseArgs({ args, options: { ...COMMON, ...options }, allowPositionals: true, strict: true });
	} catch (e) {
		throw new CliError(`${(e as Error).message}\n\n${USAGE}`, 2);
	}
}

const num = (v: string | undefined, name: string) => {
	if (v === undefined) return undefined;
	const n = Number(v);
	if (!Number.isFinite(n)) throw new CliError(`--${name} must be a number`, 2);
	return n;
};

function generationParams(v: Record<string, unknown>): Record<string, unknown> {
	const p: Record<string, unknown> = {
		max_tokens: num(v['max-tokens'] as string, 'max-tokens'),
		temperature: num(v.temperature as string, 'temperature'),
		top_p: num(v['top-p'] as string, 'top-p'),
		top_k: num(v['top-k'] as string, 'top-k'),
		seed: num(v.seed as string, 'seed'),
		stop: v.stop,
		variant: v.variant
	};
	return Object.fromEntries(Object.entries(p).filter(([, x]) => x !== undefined));
}

export async function main(argv: string[], io: Io, env = process.env): Promise<number> {
	const [command, ...rest] = argv;
	switch (command) {
		case 'infer': {
			const { values, positionals } = parse(rest, {
				model: { type: 'string', default: 'demo-text-generation' },
				prompt: { type: 'string' },
				json: { type: 'boolean' },
				...GENERATION
			});
			const prompt = values.prompt ?? positionals.join(' ');
			if (!prompt) throw new CliError('give a prompt: --prompt "Hello world"', 2);
			const client = hubClient(values, env);
			return infer(
				client,
				{ model: values.model!, prompt, params: generationParams(values), timeoutMs: Number(values.timeout) * 1000, json: !!values.json },
				io
			);
		}
		case 'submit': {
			const { values } = parse(rest, {
				type: { type: 'string', default: 'embedding' },
				model: { type: 'string' },
				input: { type: 'string', multiple: true },
				file: { type: 'string' },
				image: { type: 'string', multiple: true },
				params: { type: 'string' },
				priority: { type: 'string' },
				'chunk-size': { type: 'string' },
				wait: { type: 'boolean' },
				timeout: { type: 'string', default: '3600' }
			});
			if (!values.model) throw new CliError('give --model <id> (exostack lists them at GET /api/models)', 2);
			const fromFile = values.file
				? readFileSync(values.file, 'utf8')
						.split('\n')
						.map((l) => l.trim())
						.filter(Boolean)
				: [];
			let params: Record<string, unknown>;
			try {
				params = values.params ? JSON.parse(values.params) : {};
			} catch {
				throw new CliError('--params must be a JSON object', 2);
			}
			return submit(
				hubClient(values, env),
				{
					type: values.type!,
					model: values.model,
					inputs: [...(values.input ?? []), ...fromFile],
					images: values.image ?? [],
					params,
					priority: values.priority,
					chunkSize: num(values['chunk-size'], 'chunk-size'),
					wait: !!values.wait,
					timeoutMs: Number(values.timeout) * 1000
				},
				io
			);
		}
		case 'status':
		case 'results': {
			const { values, positionals } = parse(rest, { format: { type: 'string', default: 'jsonl' } });
			if (positionals.length !== 1) throw new CliError(`usage: exostack ${command} <job-id>`, 2);
			const client = hubClient(values, env);
			return command === 'status' ? status(client, positionals[0], io) : results(client, positionals[0], values.format!, io);
		}
		case 'import': {
			const { values, positionals } = parse(rest, {
				id: { type: 'string' },
				hf: { type: 'string' },
				'task-type': { type: 'string' },
				revision: { type: 'string' }
			});
			return importModel(
				hubClient(values, env),
				{ folder: positionals[0], hf: values.hf, id: values.id, taskType: values['task-type'], revision: values.revision },
				io
			);
		}
		case 'keys': {
			const { values, positionals } = parse(rest, {
				'jobs-per-day': { type: 'string' },
				'inputs-per-day': { type: 'string' },
				json: { type: 'boolean' }
			});
			return keys(
				hubClient(values, env),
				{
					action: positionals[0],
					arg: positionals[1],
					jobsPerDay: num(values['jobs-per-day'], 'jobs-per-day'),
					inputsPerDay: num(values['inputs-per-day'], 'inputs-per-day'),
					json: !!values.json
				},
				io
			);
		}
		case 'volunteer':
			return volunteerCommand(rest);
		case 'backup': {
			const { values, positionals } = parse(rest, { 'data-dir': { type: 'string' } });
			if (positionals.length > 1) throw new CliError('usage: exostack backup [<file>] [--data-dir <folder>]', 2);
			const dataDir = values['data-dir'];
			return backupCommand({ file: positionals[0], dataDir, hub: dataDir ? null : hubClient(values, env) }, io, env);
		}
		case 'restore': {
			const { values, positionals } = parse(rest, { 'data-dir': { type: 'string' } });
			if (positionals.length > 1) throw new CliError('usage: exostack restore <archive> --data-dir <new folder>', 2);
			return restoreCommand({ archive: positionals[0], dataDir: values['data-dir'] }, io);
		}
		case 'config': {
			const { values } = parse(rest, { json: { type: 'boolean' } });
			return configCommand({ json: !!values.json }, io, env);
		}
		case undefined:
		case 'help':
		case '--help':
		case '-h':
			io.out.write(USAGE);
			return 0;
		default:
			throw new CliError(`unknown command "${command}"\n\n${USAGE}`, 2);
	}
}

/** Runs the CLI for this process: errors go to stderr with the command's exit code. */
export async function run(): Promise<void> {
	const io = { out: process.stdout, err: process.stderr };
	try {
		process.exitCode = await main(process.argv.slice(2), io);
	} catch (e) {
		const code = e instanceof CliError ? e.exitCode : 1;
		io.err.write(`exostack: ${(e as Error).message}\n`);
		process.exitCode = code;
	}
}
