/**
 * The optional configuration file: the same settings as the environment variables, under the same
 * names, in JSON or YAML. It is found at EXOSTACK_CONFIG, else as exostack.config.json, .yaml or .yml
 * in the working directory (not the data folder: where that is may itself be set in the file).
 * This module only finds and reads it; config-sources.ts merges it under the environment and the one
 * zod schema in config.ts validates the result.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';

export const CONFIG_FILE_NAMES = ['exostack.config.json', 'exostack.config.yaml', 'exostack.config.yml'] as const;

/** A configuration file is a few dozen lines; anything this large is a mistake (a log, a model) named by accident. */
const MAX_CONFIG_BYTES = 1024 * 1024;

export class ConfigFileError extends Error {}

/** The file to read, as the user would name it (EXOSTACK_CONFIG as given, or the bare name found in `cwd`), or null for none. */
export function findConfigFile(env: Record<string, string | undefined>, cwd: string): string | null {
	const named = env.EXOSTACK_CONFIG;
	if (named !== undefined && named !== '') {
		if (!existsSync(path.resolve(cwd, named))) throw new ConfigFileError(`EXOSTACK_CONFIG: no such file ${named}`);
		return named;
	}
	const found = CONFIG_FILE_NAMES.filter((name) => existsSync(path.join(cwd, name)));
	// Two files would leave the reader guessing which one wins; make the operator keep one.
	if (found.length > 1) throw new ConfigFileError(`${found.join(' and ')} both exist in ${cwd}: keep one`);
	return found[0] ?? null;
}

/**
 * The file's settings as the strings an environment variable would hold, so one schema reads both:
 * numbers become their decimal text, true/false become on/off (the schema's switches), and a list
 * becomes the comma-separated text the list settings take. Anything else is an error naming the key.
 */
export function readConfigFile(file: string, cwd: string): Record<string, string> {
	const full = path.resolve(cwd, file);
	const stat = statSync(full, { throwIfNoEntry: false });
	if (!stat?.isFile()) throw new ConfigFileError(`${file}: not a file`);
	if (stat.size > MAX_CONFIG_BYTES)
		throw new ConfigFileError(`${file}: ${stat.size} bytes; a configuration file holds at most ${MAX_CONFIG_BYTES}`);
	const text = readFileSync(full, 'utf8');
	let data: unknown;
	try {
		data = /\.json$/i.test(file) ? JSON.parse(text) : parseYaml(text);
	} catch (e) {
		throw new ConfigFileError(`${file}: not valid ${/\.json$/i.test(file) ? 'JSON' : 'YAML'}: ${(e as Error).message.split('\n')[0]}`);
	}
	if (data === null || data === undefined) return {}; // an empty YAML file sets nothing
	if (typeof data !== 'object' || Array.isArray(data))
		throw new ConfigFileError(`${file}: must be an object of settings, such as {"PORT": 8000}`);
	const settings: Record<string, string> = {};
	for (const [key, value] of Object.entries(data)) settings[key] = asSettingText(file, key, value);
	return settings;
}

function asSettingText(file: string, key: string, value: unknown): string {
	if (typeof value === 'string') return value;
	if (typeof value === 'number' && Number.isFinite(value)) return String(value);
	if (typeof value === 'boolean') return value ? 'on' : 'off';
	if (Array.isArray(value) && value.every((v) => typeof v === 'string' || typeof v === 'number')) {
		const items = value.map(String);
		if (items.some((i) => i.includes(','))) throw new ConfigFileError(`${file}: ${key}: a list item may not contain a comma`);
		return items.join(',');
	}
	throw new ConfigFileError(`${file}: ${key}: must be a string, a number, on/off or a list of strings`);
}
